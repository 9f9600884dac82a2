//! R04 and NAM end to end: for each rule, a tree where it fires on a
//! realistic copy-paste mistake and a look-alike tree where it stays quiet.

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// (rule, path, line) of every active finding of the R04/NAM families.
fn findings(files: &[(&str, &str)]) -> Vec<(String, String, u64)> {
    let dir = tempfile::tempdir().unwrap();
    for (p, t) in files {
        write(dir.path(), p, t);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_envguard"))
        .args(["check", ".", "--format", "json", "--fail-on", "never"])
        .current_dir(dir.path())
        .env("CI", "true")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().all(|d| d["kind"] != "parse-error"),
        "valid files must parse: {diags:#?}"
    );
    let mut got: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppression"].is_null())
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_owned(),
                f["location"]["path"].as_str().unwrap().to_owned(),
                f["location"]["region"]["start_line"].as_u64().unwrap(),
            )
        })
        .filter(|(r, _, _)| r.starts_with("R04.") || r.starts_with("NAM."))
        .collect();
    got.sort();
    got
}

fn one(rule: &str, path: &str, line: u64) -> Vec<(String, String, u64)> {
    vec![(rule.to_owned(), path.to_owned(), line)]
}

#[test]
fn cross_env_reference_fires_on_a_prod_host_and_lock_table() {
    let got = findings(&[
        ("deploy/staging/app.env", "LOG_LEVEL=debug\nREPORTS_URL=https://reports.prod.acme.io/api\n"),
        ("deploy/prod/app.env", "REPORTS_URL=https://reports.prod.acme.io/api\n"),
        (
            "infra/dev/backend.tf",
            "terraform {\n  backend \"s3\" {\n    bucket = \"acme-state\"\n    key = \"dev/app.tfstate\"\n    dynamodb_table = \"acme-state-lock-main\"\n  }\n}\n",
        ),
        (
            "infra/prod/backend.tf",
            "terraform {\n  backend \"s3\" {\n    bucket = \"acme-state\"\n    key = \"prod/app.tfstate\"\n    dynamodb_table = \"acme-state-lock-main\"\n  }\n}\n",
        ),
    ]);
    // The host carries `prod`; the lock table (in the same state bucket, so the
    // same account) has no label but both environments use it; and the state
    // bucket itself is dev's and prod's under different keys.
    assert_eq!(
        got,
        vec![
            (
                "R04.cross-env-reference".into(),
                "deploy/staging/app.env".into(),
                2
            ),
            (
                "R04.shared-backend".into(),
                "infra/dev/backend.tf".into(),
                3
            ),
            (
                "R04.shared-backend".into(),
                "infra/dev/backend.tf".into(),
                5
            ),
        ]
    );
}

#[test]
fn a_dependency_into_prod_fires_and_people_and_provider_labels_stay_quiet() {
    let got = findings(&[
        (
            "live/dev/app/terragrunt.hcl",
            "dependency \"vpc\" {\n  config_path = \"../../prod/vpc\"\n  mock_outputs = { vpc_id = \"vpc-0\" }\n}\ndependency \"db\" {\n  config_path = \"../db\"\n}\ninputs = {\n  slack_channel = \"platform_prod_alerts\"\n  team_name = \"payments-production-support\"\n  support_email = \"research-and-production@acme.io\"\n  oidc_issuer = \"https://uksouth.oic.prod-aks.azure.com/tenant/\"\n  product = \"pre-sentence-service\"\n}\n",
        ),
        ("live/prod/vpc/terragrunt.hcl", "inputs = {\n  cidr = \"10.2.0.0/16\"\n}\n"),
        ("live/staging/vpc/terragrunt.hcl", "inputs = {\n  cidr = \"10.3.0.0/16\"\n}\n"),
    ]);
    assert_eq!(
        got,
        one("R04.cross-env-reference", "live/dev/app/terragrunt.hcl", 2)
    );
}

#[test]
fn a_folder_naming_itself_is_not_another_environments_resource() {
    // A dev namespace whose team prefix is `stg`: its own name is not staging's.
    let got = findings(&[
        (
            "namespaces/stg-tmc-example/resources/variables.tf",
            "variable \"environment\" {\n  default = \"development\"\n}\nvariable \"namespace\" {\n  default = \"stg-tmc-example\"\n}\n",
        ),
        ("envs/staging/app.env", "API_URL=https://api.stg.acme.io\n"),
        ("envs/prod/app.env", "API_URL=https://api.acme.io\n"),
    ]);
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn one_state_object_in_a_bucket_every_environment_shares_is_a_collision() {
    let backend = |key: &str| {
        format!("terraform {{\n  backend \"s3\" {{\n    bucket = \"acme-terraform-state\"\n    key = \"{key}\"\n  }}\n}}\n")
    };
    let (dev, staging, prod) = (
        backend("dev/app.tfstate"),
        backend("app.tfstate"),
        backend("app.tfstate"),
    );
    let got = findings(&[
        ("envs/dev/app/backend.tf", &dev),
        ("envs/staging/app/backend.tf", &staging),
        ("envs/prod/app/backend.tf", &prod),
    ]);
    assert_eq!(
        got,
        one("R04.shared-backend", "envs/staging/app/backend.tf", 3)
    );
}

#[test]
fn cross_env_reference_resolves_locals_and_defined_markers() {
    let got = findings(&[
        (
            "envs/prod/main.tf",
            "provider \"aws\" {\n  allowed_account_ids = [\"111111111111\"]\n}\nresource \"aws_sqs_queue\" \"jobs\" {\n  name = \"billing-jobs-main\"\n}\n",
        ),
        (
            "envs/staging/main.tf",
            "locals {\n  queue = \"billing-jobs-main\"\n}\nresource \"aws_lambda_event_source_mapping\" \"m\" {\n  event_source_arn = \"arn:aws:sqs:eu-west-1:111111111111:${local.queue}\"\n}\n",
        ),
    ]);
    // The local naming prod's queue, and in the resolved ARN both the account
    // (defined by prod's provider) and the queue (defined by a prod resource).
    let lines: Vec<u64> = got.iter().map(|(_, _, l)| *l).collect();
    assert_eq!(lines, vec![2, 5, 5], "{got:?}");
    assert!(got
        .iter()
        .all(|(r, p, _)| r == "R04.cross-env-reference" && p == "envs/staging/main.tf"));
}

#[test]
fn cross_env_reference_stays_quiet_on_look_alikes() {
    let got = findings(&[
        // A README and a shared module may name prod; prod may name prod.
        ("README.md", "Production runs at https://api.prod.acme.io\n"),
        ("modules/db/main.tf", "variable \"host\" {\n  default = \"db.prod.acme.io\"\n}\n"),
        ("envs/prod/app.env", "API=https://api.prod.acme.io\nLOGS=https://logs.shared.acme.io\nREGION=eu-west-1\n"),
        // Conditionals name every environment; mock outputs are placeholders.
        (
            "live/staging/app/terragrunt.hcl",
            "dependency \"db\" {\n  config_path = \"../db\"\n  mock_outputs = { host = \"db.prod.acme.io\" }\n}\ninputs = {\n  size = local.env == \"prod\" ? \"large\" : \"small\"\n  host = dependency.db.outputs.host\n  region = \"eu-west-1\"\n}\n",
        ),
        ("envs/dev/app.env", "LOGS=https://logs.shared.acme.io\nREGION=eu-west-1\nDB=db-nonprod.acme.io\n"),
        ("envs/staging/app.env", "LOGS=https://logs.shared.acme.io\nREGION=eu-west-1\nDB=db.preprod.acme.io\n"),
        // `integration-hub` is a service, not the integration environment.
        ("services/integration-hub/config.yaml", "target: https://api.prod.acme.io\n"),
    ]);
    assert_eq!(got, vec![]);
}

#[test]
fn network_path_fires_on_dev_cidr_and_public_database() {
    let got = findings(&[
        ("envs/dev/network.tf", "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.10.0.0/16\"\n}\n"),
        (
            "envs/prod/network.tf",
            "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.30.0.0/16\"\n}\nresource \"aws_security_group_rule\" \"db\" {\n  type = \"ingress\"\n  from_port = 5432\n  to_port = 5432\n  protocol = \"tcp\"\n  cidr_blocks = [\"10.10.0.0/16\"]\n}\nresource \"aws_security_group_rule\" \"public_db\" {\n  type = \"ingress\"\n  from_port = 3306\n  to_port = 3306\n  protocol = \"tcp\"\n  cidr_blocks = [\"0.0.0.0/0\"]\n}\n",
        ),
    ]);
    assert_eq!(
        got,
        vec![
            ("R04.network-path".into(), "envs/prod/network.tf".into(), 9),
            ("R04.network-path".into(), "envs/prod/network.tf".into(), 16),
        ]
    );
}

#[test]
fn network_path_stays_quiet_on_own_networks_and_public_web() {
    let got = findings(&[
        ("envs/dev/network.tf", "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.10.0.0/16\"\n}\n"),
        (
            "envs/prod/network.tf",
            "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.30.0.0/16\"\n}\nresource \"aws_security_group\" \"web\" {\n  ingress {\n    from_port = 443\n    to_port = 443\n    protocol = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n  ingress {\n    from_port = 5432\n    to_port = 5432\n    protocol = \"tcp\"\n    cidr_blocks = [\"10.30.1.0/24\"]\n  }\n}\n",
        ),
    ]);
    assert_eq!(got, vec![]);
}

#[test]
fn network_path_warns_on_overlapping_environment_networks() {
    let got = findings(&[
        (
            "envs/staging/terraform.tfvars",
            "vpc_cidr = \"10.0.0.0/16\"\n",
        ),
        ("envs/prod/terraform.tfvars", "vpc_cidr = \"10.0.0.0/16\"\n"),
    ]);
    assert_eq!(
        got,
        one("R04.network-path", "envs/staging/terraform.tfvars", 1)
    );
}

#[test]
fn shared_backend_fires_on_one_state_for_two_environments() {
    let backend = "terraform {\n  backend \"s3\" {\n    bucket = \"acme-terraform-state\"\n    key    = \"app/terraform.tfstate\"\n  }\n}\n";
    let got = findings(&[
        ("infra/staging/backend.tf", backend),
        ("infra/prod/backend.tf", backend),
    ]);
    assert_eq!(
        got,
        one("R04.shared-backend", "infra/staging/backend.tf", 3)
    );
}

/// A Terragrunt tree: `live/terragrunt.hcl` holds `remote_state` with `bucket`,
/// each environment's `env.hcl` its name, and a stack per environment.
fn terragrunt_tree(bucket: &str) -> Vec<(String, String)> {
    let mut files = vec![(
        "live/terragrunt.hcl".to_owned(),
        format!(
            "locals {{\n  env_vars = read_terragrunt_config(find_in_parent_folders(\"env.hcl\"))\n  env = local.env_vars.locals.env\n}}\n\nremote_state {{\n  backend = \"s3\"\n  config = {{\n    bucket         = \"{bucket}\"\n    key            = \"${{path_relative_to_include()}}/terraform.tfstate\"\n    region         = \"eu-west-1\"\n    encrypt        = true\n  }}\n}}\n"
        ),
    )];
    for env in ["dev", "staging", "prod"] {
        files.push((
            format!("live/{env}/env.hcl"),
            format!("locals {{\n  env = \"{env}\"\n}}\n"),
        ));
        files.push((
            format!("live/{env}/eu-west-1/app/terragrunt.hcl"),
            "include \"root\" {\n  path = find_in_parent_folders()\n}\n\nterraform {\n  source = \"../../../../modules//app\"\n}\n".to_owned(),
        ));
    }
    files
}

#[test]
fn one_state_bucket_for_prod_and_non_prod_fires_with_different_keys() {
    // Keys differ (one per stack), the bucket is one: dev's credentials that
    // write its state can rewrite prod's (000 §3 R-04).
    let tree = terragrunt_tree("acme-terraform-state");
    let files: Vec<(&str, &str)> = tree.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let got = findings(&files);
    assert_eq!(
        got,
        one(
            "R04.shared-backend",
            "live/dev/eu-west-1/app/terragrunt.hcl",
            1
        )
    );
    // Plain backends: staging and prod in one bucket under their own keys.
    let got = findings(&[
        (
            "infra/staging/backend.tf",
            "terraform {\n  backend \"s3\" {\n    bucket = \"acme-terraform-state\"\n    key    = \"staging/app.tfstate\"\n  }\n}\n",
        ),
        (
            "infra/prod/backend.tf",
            "terraform {\n  backend \"s3\" {\n    bucket = \"acme-terraform-state\"\n    key    = \"prod/app.tfstate\"\n  }\n}\n",
        ),
    ]);
    assert_eq!(
        got,
        one("R04.shared-backend", "infra/staging/backend.tf", 3)
    );
}

#[test]
fn shared_backend_stays_quiet_on_a_bucket_per_environment() {
    // The same Terragrunt tree, each environment's own bucket.
    let tree = terragrunt_tree("acme-tfstate-${local.env}");
    let mut files: Vec<(&str, &str)> = tree.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    // Two non-prod environments sharing a bucket, and a bucket written down
    // as shared in envguard.toml, are not judged.
    files.extend([
        (
            "infra/dev/backend.tf",
            "terraform {\n  backend \"s3\" {\n    bucket = \"acme-nonprod-state\"\n    key    = \"dev/app.tfstate\"\n  }\n}\n",
        ),
        (
            "infra/staging/backend.tf",
            "terraform {\n  backend \"s3\" {\n    bucket = \"acme-nonprod-state\"\n    key    = \"staging/app.tfstate\"\n  }\n}\n",
        ),
    ]);
    assert_eq!(findings(&files), vec![]);
    let got = findings(&[
        ("envguard.toml", "shared_markers = [\"acme-org-state\"]\n"),
        (
            "infra/staging/backend.tf",
            "terraform {\n  backend \"s3\" {\n    bucket = \"acme-org-state\"\n    key    = \"staging/app.tfstate\"\n  }\n}\n",
        ),
        (
            "infra/prod/backend.tf",
            "terraform {\n  backend \"s3\" {\n    bucket = \"acme-org-state\"\n    key    = \"prod/app.tfstate\"\n  }\n}\n",
        ),
        // A template's placeholder, filled in by whoever deploys it.
        (
            "foundation/envs/development/backend.tf",
            "terraform {\n  backend \"gcs\" {\n    bucket = \"UPDATE_ME\"\n    prefix = \"terraform/environments/development\"\n  }\n}\n",
        ),
        (
            "foundation/envs/production/backend.tf",
            "terraform {\n  backend \"gcs\" {\n    bucket = \"UPDATE_ME\"\n    prefix = \"terraform/environments/production\"\n  }\n}\n",
        ),
    ]);
    assert_eq!(got, vec![]);
}

#[test]
fn an_environment_word_inside_a_catalog_entry_is_no_reference() {
    // Cloud Foundry: prod binds the dev space's Redis instance (a reference),
    // and creates its own from the `redis-dev` plan (a size, not dev).
    let got = findings(&[
        (
            "cf/prod/manifest.yml",
            "applications:\n- name: publisher\n  instances: 4\n  services:\n  - publisher-redis-dev\n",
        ),
        (
            "cf/prod/services.yml",
            "services:\n- name: publisher-redis\n  service: redis\n  plan: redis-dev\n- name: publisher-db\n  service: postgres\n  service_plan: small-13-dev\n",
        ),
        (
            "envs/prod/terraform.tfvars",
            "instance_type  = \"t3.medium-prod-like\"\nimage_tag      = \"1.4.0-staging\"\napp_version    = \"v2.3-staging\"\nsku_name       = \"premium-dev\"\n",
        ),
        ("cf/dev/manifest.yml", "applications:\n- name: publisher\n  services:\n  - publisher-redis-dev\n"),
    ]);
    assert_eq!(
        got,
        one("R04.cross-env-reference", "cf/prod/manifest.yml", 5)
    );
}

#[test]
fn a_rails_database_name_is_judged_by_its_host() {
    // GOV.UK runs RAILS_ENV=production everywhere: `publisher_production` is
    // staging's own database. Its host says whose server it is.
    let got = findings(&[
        (
            "charts/app-config/values-staging.yaml",
            "publisher:\n  env:\n    DATABASE_URL: postgresql://publisher-postgres.staging.govuk-internal.digital/publisher_production\n    DATABASE_NAME: publisher_production\n    database: publisher_production\n    REPORTS_DB_URL: postgresql://reports-db.production.govuk-internal.digital/reports_production\nrdsParquetExports:\n  dbTables:\n    publisher-staging-postgres:\n      - publisher_production.public.editions\n      - publisher_production.public.actions\n",
        ),
        (
            "charts/app-config/values-production.yaml",
            "publisher:\n  env:\n    DATABASE_URL: postgresql://publisher-postgres.production.govuk-internal.digital/publisher_production\n    DATABASE_NAME: publisher_production\n    database: publisher_production\n",
        ),
    ]);
    // Prod's reports database: its host, and the database on it.
    assert_eq!(
        got,
        vec![
            (
                "R04.cross-env-reference".into(),
                "charts/app-config/values-staging.yaml".into(),
                6
            );
            2
        ]
    );
}

#[test]
fn hosts_count_by_every_alias_of_their_environment() {
    let got = findings(&[
        (
            "envguard.toml",
            "[environments.production]\ntier = \"prod\"\npaths = [\"deploy/production/**\"]\n\n[environments.staging]\ntier = \"test\"\npaths = [\"deploy/staging/**\"]\n",
        ),
        (
            "deploy/staging/app.env",
            "CATALOG_URL=https://catalog-stage-api.example.com\nDB_HOST=svc-prd-db.example.com\n",
        ),
        (
            "deploy/production/app.env",
            "CATALOG_URL=https://catalog-api.example.com\nDB_HOST=svc-prd-db.example.com\nLEGACY_URL=https://catalog-stage-api.example.com\n",
        ),
    ]);
    // staging → prod's `svc-prd-db` (error); prod → staging's API (warning).
    assert_eq!(
        got,
        vec![
            (
                "R04.cross-env-reference".into(),
                "deploy/production/app.env".into(),
                3
            ),
            (
                "R04.cross-env-reference".into(),
                "deploy/staging/app.env".into(),
                2
            ),
        ]
    );
    // Look-alikes: `backstage`, `replatform-test-app`, `pre-prd` are none.
    let got = findings(&[
        (
            "deploy/staging/app.env",
            "DOCS_URL=https://backstage.example.com\nAPP=https://replatform-test-app.example.com\n",
        ),
        (
            "deploy/prod/app.env",
            "DOCS_URL=https://backstage.example.com\nAPP=https://catalog-stage-api.example.com\n",
        ),
        (
            "deploy/dev/app.env",
            "DOCS_URL=https://backstage.example.com\n",
        ),
    ]);
    assert_eq!(
        got,
        one("R04.cross-env-reference", "deploy/prod/app.env", 2)
    );
}

#[test]
fn a_pre_prod_environment_on_prods_endpoint_is_a_warning() {
    let got = findings(&[
        (
            "config/dev/auth.yaml",
            "oidc:\n  issuer_url: https://sandbox.idp-vendor.com/acme\n  timeout_seconds: 5\npayments:\n  api: https://api.sandbox.paygate.com/v2\n",
        ),
        (
            "config/staging/auth.yaml",
            "oidc:\n  issuer_url: https://login.idp-vendor.com/acme\n  timeout_seconds: 30\npayments:\n  api: https://api.sandbox.paygate.com/v2\n",
        ),
        (
            "config/prod/auth.yaml",
            "oidc:\n  issuer_url: https://login.idp-vendor.com/acme\n  timeout_seconds: 30\npayments:\n  api: https://api.paygate.com/v2\n",
        ),
    ]);
    assert_eq!(
        got,
        one("R04.cross-env-reference", "config/staging/auth.yaml", 2)
    );
}

/// Found on a real monorepo of many applications (trials): one application's
/// staging and production declare the production domain, and the only dev that
/// sets `domain` is another application's. Nothing says this application's
/// staging left a sandbox for prod: quiet. With this application's own dev on
/// another host, it fires. Within one application, a team's address and an
/// RBAC rule's API groups are no endpoints, whatever dev writes there.
#[test]
fn another_applications_dev_does_not_make_a_pre_prod_endpoint_finding() {
    let ns = "namespaces/live.cloud-platform.service.justice.gov.uk";
    // Each namespace's variables.tf names its environment, as the real ones do.
    let tf = |env: &str, body: &str| {
        format!("variable \"environment\" {{\n  description = \"The type of environment you're deploying to.\"\n  default     = \"{env}\"\n}}\n\n{body}")
    };
    let domain = |d: &str| {
        format!("variable \"domain\" {{\n  description = \"The domain name to use for the Route53 zone.\"\n  default     = \"{d}\"\n}}\n")
    };
    let chaps = domain("correspondence-handling-and-processing.service.justice.gov.uk");
    let mut files = vec![
        (
            format!("{ns}/chaps-dotnet-staging/resources/variables.tf"),
            tf("staging", &chaps),
        ),
        (
            format!("{ns}/chaps-dotnet-production/resources/variables.tf"),
            tf("production", &chaps),
        ),
        (
            format!("{ns}/laa-assess-crime-forms-dev/resources/variables.tf"),
            tf(
                "development",
                &domain("assess-crime-forms.service.justice.gov.uk"),
            ),
        ),
    ];
    let refs = |v: &[(String, String)]| -> Vec<(String, String, u64)> {
        let r: Vec<(&str, &str)> = v.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        findings(&r)
    };
    assert_eq!(refs(&files), vec![]);

    files.push((
        format!("{ns}/chaps-dotnet-development/resources/variables.tf"),
        tf(
            "development",
            &domain("dev.correspondence-handling-and-processing.service.justice.gov.uk"),
        ),
    ));
    assert_eq!(
        refs(&files),
        one(
            "R04.cross-env-reference",
            &format!("{ns}/chaps-dotnet-staging/resources/variables.tf"),
            8
        )
    );

    let vars = |support: &str, group: &str| {
        format!("variable \"infrastructure_support\" {{\n  description = \"Email address of the team responsible this service\"\n  default     = \"{support}\"\n}}\n\nvariable \"serviceaccount_rules\" {{\n  default = [\n    {{\n      api_groups = [\n        \"apps\",\n        \"{group}\"\n      ]\n      resources = [\"deployments\", \"certificates\"]\n      verbs = [\"get\", \"list\"]\n    }},\n  ]\n}}\n")
    };
    let prod_like = vars("digital-prisoner-finance@justice.gov.uk", "cert-manager.io");
    let sync = vec![
        (
            format!("{ns}/prisoner-finance-sync-dev/resources/variables.tf"),
            tf(
                "development",
                &vars("dps-hmpps@digital.justice.gov.uk", "certmanager.k8s.io"),
            ),
        ),
        (
            format!("{ns}/prisoner-finance-sync-preprod/resources/variables.tf"),
            tf("preprod", &prod_like),
        ),
        (
            format!("{ns}/prisoner-finance-sync-prod/resources/variables.tf"),
            tf("production", &prod_like),
        ),
    ];
    assert_eq!(refs(&sync), vec![]);
}

#[test]
fn an_endpoint_every_environment_uses_is_shared_by_design() {
    let got = findings(&[
        ("config/dev/app.yaml", "sentry_dsn_host: https://o123.ingest.sentry-mirror.com\nstatus_url: https://status.acme.com\nflags:\n  new_checkout: false\n"),
        ("config/staging/app.yaml", "sentry_dsn_host: https://o123.ingest.sentry-mirror.com\nstatus_url: https://status.acme.com\nflags:\n  new_checkout: true\n"),
        ("config/prod/app.yaml", "sentry_dsn_host: https://o123.ingest.sentry-mirror.com\nstatus_url: https://status.acme.com\nflags:\n  new_checkout: true\n"),
        // Private DNS answers per environment.
        ("k8s/overlays/dev/app.env", "CACHE=redis://cache.dev-tools.svc.cluster.local:6379\n"),
        ("k8s/overlays/staging/app.env", "CACHE=redis://cache.cache.svc.cluster.local:6379\n"),
        ("k8s/overlays/prod/app.env", "CACHE=redis://cache.cache.svc.cluster.local:6379\n"),
    ]);
    assert_eq!(got, vec![]);
}

#[test]
fn one_non_prod_environment_writing_into_another_is_reported() {
    let got = findings(&[
        (
            "envs/dev/main.tf",
            "provider \"google\" {\n  project = \"acme-dev\"\n}\nresource \"google_storage_bucket_object\" \"seed\" {\n  bucket = \"acme-staging-uploads\"\n  name   = \"seed.json\"\n  source = \"seed.json\"\n}\n",
        ),
        (
            "envs/staging/main.tf",
            "provider \"google\" {\n  project = \"acme-staging\"\n}\nresource \"google_storage_bucket\" \"uploads\" {\n  name = \"acme-staging-uploads\"\n}\n",
        ),
        ("envs/prod/main.tf", "provider \"google\" {\n  project = \"acme-prod\"\n}\n"),
    ]);
    assert_eq!(got, one("R04.cross-env-reference", "envs/dev/main.tf", 5));
}

#[test]
fn tag_mismatch_fires_on_merged_tags_and_namespaces() {
    let got = findings(&[
        (
            "envs/prod/main.tf",
            "locals {\n  base = { Team = \"records\" }\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"records-prod\"\n  tags = merge(local.base, { Environment = \"staging\" })\n}\n",
        ),
        (
            "k8s/overlays/staging/deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: api-production\n",
        ),
    ]);
    assert_eq!(
        got,
        vec![
            ("NAM.tag-mismatch".into(), "envs/prod/main.tf".into(), 6),
            (
                "NAM.tag-mismatch".into(),
                "k8s/overlays/staging/deploy.yaml".into(),
                5
            ),
        ]
    );
}

#[test]
fn tag_mismatch_stays_quiet_on_matching_and_resolved_tags() {
    let got = findings(&[
        (
            "envs/prod/main.tf",
            "variable \"environment\" {\n  default = \"production\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"records-prod\"\n  tags = { Environment = var.environment }\n}\n",
        ),
        (
            "k8s/overlays/staging/deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: api-staging\n  labels:\n    env: stg\n",
        ),
    ]);
    assert_eq!(got, vec![]);
}

#[test]
fn naming_fires_on_a_foreign_name_and_a_missing_suffix() {
    let got = findings(&[
        (
            "envs/prod/main.tf",
            "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"acme-prod-raw\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"acme-prod-norm\"\n}\nresource \"aws_dynamodb_table\" \"c\" {\n  name = \"acme-prod-documents\"\n}\nresource \"aws_s3_bucket\" \"d\" {\n  bucket = \"acme-jobs\"\n}\nresource \"aws_s3_bucket\" \"e\" {\n  bucket = \"acme-staging-exports\"\n}\nresource \"aws_lambda_function\" \"f\" {\n  function_name = \"svc-ingest-prod\"\n}\n",
        ),
        ("envs/staging/main.tf", "resource \"aws_s3_bucket\" \"e\" {\n  bucket = \"acme-staging-exports\"\n}\n"),
    ]);
    assert_eq!(
        got,
        vec![
            ("NAM.naming".into(), "envs/prod/main.tf".into(), 11),
            ("NAM.naming".into(), "envs/prod/main.tf".into(), 14),
        ]
    );
}

#[test]
fn naming_follows_a_declared_suffix_and_stays_quiet_without_a_convention() {
    let got = findings(&[
        ("envguard.toml", "[environments.prod]\ntier = \"prod\"\nresource_suffix = \"-prd\"\n"),
        ("envs/prod/main.tf", "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"acme-raw-prd\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"acme-norm\"\n}\n"),
        // No convention in dev: two names, neither labelled.
        ("envs/dev/main.tf", "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"scratch-data\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"scratch-logs\"\n}\n"),
    ]);
    assert_eq!(got, one("NAM.naming", "envs/prod/main.tf", 5));
}

#[test]
fn skip_rules_turns_the_family_off() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "deploy/staging/app.env",
        "REPORTS_URL=https://reports.prod.acme.io/api\n",
    );
    write(
        dir.path(),
        "deploy/prod/app.env",
        "REPORTS_URL=https://reports.prod.acme.io/api\n",
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["check", ".", "--format", "json"];
        args.extend_from_slice(extra);
        let out = Command::new(env!("CARGO_BIN_EXE_envguard"))
            .args(&args)
            .current_dir(dir.path())
            .env("CI", "true")
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), v["findings"].as_array().unwrap().len())
    };
    assert_eq!(run(&[]), (Some(1), 1));
    assert_eq!(run(&["--skip-rules", "R04,NAM"]), (Some(0), 0));
}
