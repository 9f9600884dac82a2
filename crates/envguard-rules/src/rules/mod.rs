//! One module per rule.

mod ci;
pub mod cross_env_reference;
pub mod dev_artifact_to_prod;
pub mod event_labels;
pub mod expired_waiver;
pub mod hardcoded_secret;
mod infra_common;
pub mod live_prod_secret;
pub mod main_to_prod;
pub mod missing_provenance;
pub mod naming;
pub mod network_path;
pub mod no_gate_on_failure;
pub mod pii_in_nonprod;
pub mod prod_deploy_ungated;
pub mod prod_secret_in_nonprod_job;
pub mod sec_audit_logging;
pub mod sec_namespace;
pub mod sec_nonprod_access;
pub mod sec_rotation_overdue;
pub mod secret_reuse;
pub mod shared_backend;
mod store_common;
pub mod tag_mismatch;
