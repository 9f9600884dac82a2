//! One module per rule.

pub mod expired_waiver;
pub mod hardcoded_secret;
pub mod secret_reuse;
