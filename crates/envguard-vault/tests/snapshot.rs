//! Snapshots of a real `bao server -dev` seeded with a realistic layout:
//! one with planted problems (a staging policy that reads prod, no audit
//! device, a prod secret last rotated 120 days ago) and one set up
//! correctly, where nothing may be reported.

use std::collections::BTreeMap;

use envguard_model::{Inventory, Tier};
use envguard_vault::testing::DevServer;
use envguard_vault::{
    Client, EnvOverrides, MetadataUpdate, Snapshot, SnapshotOptions, ROTATED_KEY,
    ROTATED_VERSION_KEY,
};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};

fn server() -> DevServer {
    DevServer::start().unwrap_or_else(|e| panic!("the OpenBao dev server is needed: {e}"))
}

fn put(c: &Client, mount: &str, path: &str) {
    let mut m = Map::new();
    m.insert(
        "value".to_owned(),
        Value::String(format!("v-{mount}-{path}")),
    );
    c.kv_write(mount, path, &m, None)
        .unwrap_or_else(|e| panic!("seed {mount}{path}: {e}"));
}

fn policy(c: &Client, name: &str, hcl: &str) {
    c.write_policy(name, hcl)
        .unwrap_or_else(|e| panic!("policy {name}: {e}"));
}

/// The layout teams use: a mount per environment for the applications and
/// the shared dev-server `secret/` mount with one folder per environment.
fn seed_common(c: &Client) {
    c.enable_kv_v2("kv-prod", "production").expect("kv-prod");
    c.enable_kv_v2("kv-staging", "staging").expect("kv-staging");
    for p in ["payments/db", "payments/stripe", "auth/jwt-signing"] {
        put(c, "kv-prod", p);
        put(c, "kv-staging", p);
    }
    for p in [
        "prod/ci/deploy-key",
        "staging/ci/deploy-key",
        "dev/ci/deploy-key",
    ] {
        put(c, "secret", p);
    }
    policy(
        c,
        "prod-payments",
        r#"path "kv-prod/data/payments/*" { capabilities = ["read"] }
path "secret/data/prod/*" { capabilities = ["read", "list"] }"#,
    );
    policy(
        c,
        "staging-payments",
        r#"path "kv-staging/data/payments/*" { capabilities = ["read"] }
path "secret/data/staging/*" { capabilities = ["read"] }"#,
    );
    // A look-alike of the planted policy: broad, but fenced off prod.
    policy(
        c,
        "staging-ops",
        r#"path "secret/data/*" { capabilities = ["read", "update"] }
path "secret/data/prod/*" { capabilities = ["deny"] }"#,
    );
}

fn options() -> SnapshotOptions {
    SnapshotOptions::new(Inventory::default(), &EnvOverrides::default()).expect("options")
}

fn env_of<'a>(s: &'a Snapshot, mount: &str, path: &str) -> Option<&'a str> {
    s.secrets
        .iter()
        .find(|x| x.mount == mount && x.path == path)
        .and_then(|x| x.environment.as_ref())
        .map(|e| e.name.as_str())
}

#[test]
fn planted_problems_are_all_seen() {
    let srv = server();
    let c = srv.client();
    seed_common(&c);
    // planted: a staging CI policy that reads prod through a glob
    policy(
        &c,
        "staging-ci",
        r#"path "secret/data/staging/*" { capabilities = ["read"] }
path "secret/data/prod/*" { capabilities = ["read"] }"#,
    );
    // planted: a QA policy whose `+` segment reaches every mount's payments
    policy(
        &c,
        "qa-reports",
        "path \"+/data/payments/db\" {\n  capabilities = [\"read\", \"update\"]\n}\n",
    );
    // planted: a prod secret imported from the old store, last rotated 120 days ago
    let rotated = Timestamp::now() - SignedDuration::from_hours(120 * 24);
    let mut custom = BTreeMap::new();
    custom.insert(ROTATED_KEY.to_owned(), rotated.to_string());
    custom.insert(ROTATED_VERSION_KEY.to_owned(), "1".to_owned());
    custom.insert("owner".to_owned(), "payments".to_owned());
    c.kv_write_metadata(
        "kv-prod",
        "payments/stripe",
        &MetadataUpdate {
            custom_metadata: Some(custom),
            ..Default::default()
        },
    )
    .expect("stamp");
    // planted: the audit device was disabled
    let log = srv.dir().join("audit.log");
    c.enable_file_audit("file", &log.display().to_string())
        .expect("audit on");
    c.disable_audit("file").expect("audit off");

    let snap = Snapshot::fetch_with(&c, &options()).expect("snapshot");

    assert!(snap.audit_devices.is_empty(), "{:?}", snap.audit_devices);
    assert_eq!(snap.secrets.len(), 9);
    assert_eq!(env_of(&snap, "kv-prod/", "payments/db"), Some("prod"));
    assert_eq!(env_of(&snap, "kv-staging/", "payments/db"), Some("staging"));
    assert_eq!(env_of(&snap, "secret/", "prod/ci/deploy-key"), Some("prod"));
    assert_eq!(env_of(&snap, "secret/", "dev/ci/deploy-key"), Some("dev"));
    let kv_prod = snap
        .mounts
        .iter()
        .find(|m| m.path == "kv-prod/")
        .expect("mount");
    assert!(kv_prod.is_kv_v2());
    assert_eq!(
        kv_prod.environment.as_ref().map(|e| e.tier),
        Some(Tier::Prod)
    );

    // the 120-day-old secret, and only it
    let now = Timestamp::now();
    let overdue: Vec<String> = snap
        .secrets
        .iter()
        .filter(|s| s.environment.as_ref().is_some_and(|e| e.tier == Tier::Prod))
        .filter(|s| s.age_days(now) > 90)
        .map(|s| format!("{}{} {}", s.mount, s.path, s.age_days(now)))
        .collect();
    assert_eq!(overdue, vec!["kv-prod/payments/stripe 120".to_owned()]);

    // the planted policies, and not the look-alike
    let mut cross: Vec<String> = snap
        .cross_environment_grants()
        .iter()
        .map(|g| {
            format!(
                "{} ({}) -> {} ({}) via {} e.g. {} {:?}",
                g.policy,
                g.policy_environment.name,
                g.prefix,
                g.target_environment.name,
                g.grant.pattern,
                g.grant.path,
                g.grant.capabilities
            )
        })
        .collect();
    cross.sort();
    assert_eq!(
        cross,
        vec![
            "qa-reports (qa) -> kv-prod/data/ (prod) via +/data/payments/db e.g. kv-prod/data/payments/db [\"read\", \"update\"]",
            "staging-ci (staging) -> secret/data/prod/ (prod) via secret/data/prod/* e.g. secret/data/prod/ci/deploy-key [\"read\"]",
        ]
    );

    // the evaluator answers the audit question directly too
    let set = snap.policy_set(&["staging-ops"]);
    assert!(set.can_read_under("secret/data/prod/").is_none());
    assert!(set.can_read_under("secret/data/staging/").is_some());
    assert!(
        snap.unparsed_policies.is_empty(),
        "{:?}",
        snap.unparsed_policies
    );
    assert!(snap.problems.is_empty(), "{:?}", snap.problems);

    // serializable, and no secret value in it
    let text = serde_json::to_string(&snap).expect("json");
    assert!(
        !text.contains("v-kv-prod"),
        "a value leaked into the snapshot"
    );
}

#[test]
fn a_correct_setup_yields_nothing_wrong() {
    let srv = server();
    let c = srv.client();
    seed_common(&c);
    let log = srv.dir().join("audit.log");
    c.enable_file_audit("file", &log.display().to_string())
        .expect("audit on");
    // a rotation envguard ran today: the stamp names the current version
    let mut custom = BTreeMap::new();
    custom.insert(ROTATED_KEY.to_owned(), Timestamp::now().to_string());
    custom.insert(ROTATED_VERSION_KEY.to_owned(), "1".to_owned());
    c.kv_write_metadata(
        "kv-prod",
        "payments/stripe",
        &MetadataUpdate {
            custom_metadata: Some(custom),
            ..Default::default()
        },
    )
    .expect("stamp");

    let snap = Snapshot::fetch_with(&c, &options()).expect("snapshot");
    assert_eq!(snap.audit_devices.len(), 1);
    assert_eq!(snap.audit_devices[0].kind, "file");
    let now = Timestamp::now();
    assert!(snap.secrets.iter().all(|s| s.age_days(now) < 1));
    assert_eq!(snap.cross_environment_grants(), vec![]);
    // every secret attributed
    assert!(snap.secrets.iter().all(|s| s.environment.is_some()));
}

#[test]
fn a_stale_stamp_does_not_hide_a_newer_version_and_metadata_edits_do_not_rotate() {
    let srv = server();
    let c = srv.client();
    put(&c, "secret", "prod/api");
    let old = Timestamp::now() - SignedDuration::from_hours(200 * 24);
    let mut custom = BTreeMap::new();
    custom.insert(ROTATED_KEY.to_owned(), old.to_string());
    custom.insert(ROTATED_VERSION_KEY.to_owned(), "1".to_owned());
    c.kv_write_metadata(
        "secret",
        "prod/api",
        &MetadataUpdate {
            custom_metadata: Some(custom.clone()),
            ..Default::default()
        },
    )
    .expect("stamp");
    let before = Snapshot::fetch(&c).expect("snapshot");
    let s = &before.secrets[0];
    assert_eq!(s.last_rotated_utc, s.rotated_utc.expect("stamp read"));
    assert!(s.age_days(Timestamp::now()) >= 199);
    // editing metadata only (an owner tag) moves updated_time, not the rotation
    custom.insert("owner".to_owned(), "api-team".to_owned());
    c.kv_write_metadata(
        "secret",
        "prod/api",
        &MetadataUpdate {
            custom_metadata: Some(custom),
            ..Default::default()
        },
    )
    .expect("owner tag");
    let after = Snapshot::fetch(&c).expect("snapshot");
    assert_eq!(after.secrets[0].last_rotated_utc, s.last_rotated_utc);
    assert!(after.secrets[0].updated_utc > s.updated_utc);
    // someone writes a new value by hand: the stamp no longer describes it
    put(&c, "secret", "prod/api");
    let rotated = Snapshot::fetch(&c).expect("snapshot");
    assert_eq!(rotated.secrets[0].current_version, 2);
    assert!(rotated.secrets[0].age_days(Timestamp::now()) < 1);
}

#[test]
fn overrides_win_and_unknown_environments_are_refused() {
    let srv = server();
    let c = srv.client();
    c.enable_kv_v2("payments-eu", "").expect("mount");
    put(&c, "payments-eu", "db");
    policy(
        &c,
        "payments-reader",
        r#"path "payments-eu/data/*" { capabilities = ["read"] }"#,
    );
    let mut o = EnvOverrides::default();
    o.paths
        .insert("payments-eu/".to_owned(), "production".to_owned());
    o.policies
        .insert("payments-reader".to_owned(), "uat".to_owned());
    let opts = SnapshotOptions::new(Inventory::default(), &o).expect("options");
    let snap = Snapshot::fetch_with(&c, &opts).expect("snapshot");
    assert_eq!(env_of(&snap, "payments-eu/", "db"), Some("prod"));
    let cross = snap.cross_environment_grants();
    assert_eq!(cross.len(), 1, "{cross:?}");
    assert_eq!(cross[0].policy, "payments-reader");

    o.paths.insert("kv/".to_owned(), "blue".to_owned());
    let e = SnapshotOptions::new(Inventory::default(), &o).expect_err("unknown env");
    assert!(e.to_string().contains("\"blue\""), "{e}");
}

#[test]
fn a_policy_envguard_cannot_parse_is_listed_not_fatal() {
    let srv = server();
    let c = srv.client();
    // The server's HCL 1 parser takes two blocks on one line; HCL 2 (and
    // so envguard) does not. The snapshot names the policy and the place,
    // and goes on: the audit reports the policy as not checked.
    policy(
        &c,
        "one-line",
        r#"path "a/*" { capabilities = ["read"] } path "b/*" { capabilities = ["read"] }"#,
    );
    policy(
        &c,
        "fine",
        r#"path "a/*" { capabilities = ["read", "scan"] }"#,
    );
    let s = Snapshot::fetch(&c).expect("snapshot");
    let u: Vec<(&str, usize)> = s
        .unparsed_policies
        .iter()
        .map(|u| (u.name.as_str(), u.line))
        .collect();
    assert_eq!(u, vec![("one-line", 1)]);
    assert!(s.unparsed_policies[0].column > 1);
    assert!(s.policies.iter().any(|p| p.policy.name == "fine"));
}
