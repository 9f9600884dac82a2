//! The embedded store against its files: sealing, versions, policy, the
//! access log, and every way its files can be wrong.

#![allow(clippy::unwrap_used)]

use envguard_ledger::Ledger;
use envguard_model::SecretKind;
use envguard_secrets::embedded::EmbeddedOptions;
use envguard_secrets::{Actor, Backend, EmbeddedStore, Policy, SecretValue, VersionState, Which};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

/// Keys are found through ENVGUARD_SECRETS_HOME, a process-wide variable.
static ENV_LOCK: Mutex<()> = Mutex::new(());

const POLICY: &str = r#"
[roles.prod-operator]
environment = "prod"
grants = [{ environment = "prod", paths = ["**"], allow = ["read", "write", "rotate", "revoke"] }]

[roles.billing-app]
environment = "prod"
grants = [{ environment = "prod", paths = ["billing/*"], allow = ["read"] }]

[roles.staging-dev]
environment = "staging"
grants = [{ environment = "staging", paths = ["**"], allow = ["read", "write"] }]
"#;

struct Fixture {
    _tmp: tempfile::TempDir,
    root: std::path::PathBuf,
}

impl Fixture {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        std::fs::create_dir_all(root.join("repo")).unwrap();
        std::fs::create_dir_all(root.join("home")).unwrap();
        Fixture { _tmp: tmp, root }
    }

    fn store(&self) -> EmbeddedStore {
        EmbeddedStore::new(EmbeddedOptions {
            dir: self.root.join("repo/.envguard/secrets"),
            ledger_dir: self.root.join("repo/.envguard/ledger"),
            policy: Some(Policy::parse("secrets-policy.toml", POLICY).unwrap()),
            tiers: HashMap::new(),
            due_soon_days: 14,
        })
    }

    fn home(&self) -> std::path::PathBuf {
        self.root.join("home")
    }
}

fn with_home<T>(home: &Path, f: impl FnOnce() -> T) -> T {
    let _g = ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY-free: std::env::set_var is safe in edition 2021; tests holding
    // ENV_LOCK are the only writers.
    std::env::set_var("ENVGUARD_SECRETS_HOME", home);
    f()
}

fn op() -> Actor {
    Actor::new("prod-operator", "alice")
}

fn ledger_actions(root: &Path, env: &str) -> Vec<String> {
    let l = Ledger::open(&root.join("repo/.envguard/ledger"), env).unwrap();
    let mut out = Vec::new();
    l.store()
        .scan(0, &mut |row| {
            let v: Value = serde_json::from_slice(row.payload.as_deref().unwrap()).unwrap();
            out.push(v["action"].as_str().unwrap().to_owned());
            Ok(true)
        })
        .unwrap();
    out
}

#[test]
fn put_get_versions_and_the_access_log() {
    let fx = Fixture::new();
    with_home(&fx.home(), || {
        let mut s = fx.store();
        let key = s.init(&op(), "prod").unwrap();
        assert!(key.starts_with(fx.home()), "{}", key.display());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let dir_mode = std::fs::metadata(key.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(dir_mode, 0o700);
        }
        let v1 = SecretValue::from("first-value-123456");
        let v2 = SecretValue::from("second-value-654321");
        s.put(&op(), "prod", "db/password", SecretKind::Password, &v1)
            .unwrap();
        s.put(&op(), "prod", "db/password", SecretKind::Password, &v2)
            .unwrap();
        let (info, got) = s.get(&op(), "prod", "db/password", Which::Current).unwrap();
        assert_eq!((info.version, got), (2, v2.clone()));
        let (info, got) = s
            .get(&op(), "prod", "db/password", Which::Previous)
            .unwrap();
        assert_eq!((info.version, got), (1, v1.clone()));
        let meta = s.versions(&op(), "prod", "db/password").unwrap();
        let states: Vec<_> = meta.versions.iter().map(|v| v.state).collect();
        assert_eq!(states, [VersionState::Previous, VersionState::Current]);
        assert_ne!(meta.versions[0].fingerprint, meta.versions[1].fingerprint);

        // The file never holds a value in clear.
        let bytes = std::fs::read(fx.root.join("repo/.envguard/secrets/prod.sqlite")).unwrap();
        assert!(!bytes.windows(12).any(|w| w == b"second-value"));

        let staged = s
            .stage(
                &op(),
                "prod",
                "db/password",
                SecretKind::Password,
                &SecretValue::from("third-value-00000"),
            )
            .unwrap();
        assert_eq!(staged.state, VersionState::Pending);
        assert!(s
            .stage(&op(), "prod", "db/password", SecretKind::Password, &v1)
            .is_err());
        s.promote(&op(), "prod", "db/password", 3).unwrap();
        s.destroy(&op(), "prod", "db/password", 2, "test").unwrap();
        let meta = s.versions(&op(), "prod", "db/password").unwrap();
        let states: Vec<_> = meta.versions.iter().map(|v| v.state).collect();
        assert_eq!(
            states,
            [
                VersionState::Retired,
                VersionState::Destroyed,
                VersionState::Current
            ]
        );
        let e = s
            .get(&op(), "prod", "db/password", Which::Version(2))
            .unwrap_err()
            .to_string();
        assert!(e.contains("destroyed"), "{e}");

        assert_eq!(
            ledger_actions(&fx.root, "prod"),
            [
                "secrets.init",
                "secrets.write",
                "secrets.write",
                "secrets.read",
                "secrets.read",
                "secrets.stage",
                "secrets.promote",
                "secrets.revoke",
            ]
        );
    });
}

#[test]
fn a_refused_access_is_an_error_and_a_ledger_event() {
    let fx = Fixture::new();
    with_home(&fx.home(), || {
        let mut s = fx.store();
        s.init(&op(), "prod").unwrap();
        s.put(
            &op(),
            "prod",
            "db/password",
            SecretKind::Password,
            &SecretValue::from("value-abcdefgh"),
        )
        .unwrap();
        s.put(
            &op(),
            "prod",
            "billing/stripe",
            SecretKind::ApiToken,
            &SecretValue::from("value-ijklmnop"),
        )
        .unwrap();
        let app = Actor::new("billing-app", "billing-api");
        assert!(s
            .get(&app, "prod", "billing/stripe", Which::Current)
            .is_ok());
        let e = s
            .get(&app, "prod", "db/password", Which::Current)
            .unwrap_err()
            .to_string();
        assert!(e.contains("may not read prod/db/password"), "{e}");
        let e = s
            .put(
                &Actor::new("staging-dev", "bob"),
                "prod",
                "x",
                SecretKind::Other,
                &SecretValue::from("zzzzzzzzzz"),
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("may not write"), "{e}");
        let actions = ledger_actions(&fx.root, "prod");
        assert_eq!(
            actions.iter().filter(|a| *a == "secrets.denied").count(),
            2,
            "{actions:?}"
        );
    });
}

#[test]
fn a_wrong_key_is_refused_by_name_and_nothing_is_written() {
    let fx = Fixture::new();
    with_home(&fx.home(), || {
        let mut s = fx.store();
        let key = s.init(&op(), "prod").unwrap();
        s.put(
            &op(),
            "prod",
            "db/password",
            SecretKind::Password,
            &SecretValue::from("value-abcdefgh"),
        )
        .unwrap();
        let db = fx.root.join("repo/.envguard/secrets/prod.sqlite");
        // Another environment's key in place of this one.
        let other = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
        std::fs::write(&key, other).unwrap();
        let mut s = fx.store();
        let e = s
            .put(
                &op(),
                "prod",
                "db/password",
                SecretKind::Password,
                &SecretValue::from("new-value-zzzz"),
            )
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&key.display().to_string()) && e.contains("does not open"),
            "{e}"
        );
        assert!(!e.contains("new-value"), "{e}");
        drop(s);
        let conn = rusqlite::Connection::open(&db).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM versions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    });
}

#[test]
fn an_altered_record_fails_authentication() {
    let fx = Fixture::new();
    with_home(&fx.home(), || {
        let mut s = fx.store();
        s.init(&op(), "prod").unwrap();
        s.put(
            &op(),
            "prod",
            "a",
            SecretKind::Password,
            &SecretValue::from("value-aaaaaaaa"),
        )
        .unwrap();
        s.put(
            &op(),
            "prod",
            "b",
            SecretKind::Password,
            &SecretValue::from("value-bbbbbbbb"),
        )
        .unwrap();
        drop(s);
        // Swap the sealed values of two records: each is bound to its name.
        let db = fx.root.join("repo/.envguard/secrets/prod.sqlite");
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "UPDATE versions SET sealed = (SELECT sealed FROM versions WHERE name = 'b'), nonce = (SELECT nonce FROM versions WHERE name = 'b') WHERE name = 'a'",
        )
        .unwrap();
        drop(conn);
        let mut s = fx.store();
        let e = s
            .get(&op(), "prod", "a", Which::Current)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("fails authentication") && e.contains("prod.sqlite"),
            "{e}"
        );
        assert!(s.get(&op(), "prod", "b", Which::Current).is_ok());
    });
}

#[test]
fn a_corrupt_store_file_is_named() {
    let fx = Fixture::new();
    with_home(&fx.home(), || {
        let mut s = fx.store();
        s.init(&op(), "prod").unwrap();
        drop(s);
        let db = fx.root.join("repo/.envguard/secrets/prod.sqlite");
        std::fs::write(
            &db,
            b"this is not a database, it is garbage garbage garbage",
        )
        .unwrap();
        let mut s = fx.store();
        let e = s
            .get(&op(), "prod", "a", Which::Current)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("prod.sqlite") && e.contains("not an envguard secret store"),
            "{e}"
        );
    });
}

#[test]
fn a_key_inside_the_repository_is_refused() {
    let fx = Fixture::new();
    std::fs::create_dir_all(fx.root.join("repo/.git")).unwrap();
    with_home(&fx.root.join("repo/keys-here"), || {
        let mut s = fx.store();
        let e = s.init(&op(), "prod").unwrap_err().to_string();
        assert!(e.contains("inside the repository"), "{e}");
        assert!(!fx.root.join("repo/.envguard/secrets/prod.sqlite").exists());
    });
}

#[test]
fn facts_describe_the_store_without_values() {
    let fx = Fixture::new();
    with_home(&fx.home(), || {
        let mut s = fx.store();
        s.init(&op(), "prod").unwrap();
        s.put(
            &op(),
            "prod",
            "signing/release",
            SecretKind::SigningKey,
            &SecretValue::from("value-abcdefgh"),
        )
        .unwrap();
        let f = s.facts(&op()).unwrap();
        assert_eq!(f.environments.len(), 1);
        assert_eq!(f.environments[0].namespace.as_deref(), Some("prod/"));
        assert!(f.environments[0].audit_logging);
        assert_eq!(f.secrets[0].path, "prod/signing/release");
        assert_eq!(f.secrets[0].kind, SecretKind::SigningKey);
        assert_eq!(f.policies.len(), 3);
        assert!(!serde_json::to_string(&f).unwrap().contains("value-abc"));
    });
}

#[test]
fn a_failed_init_leaves_no_key_behind_and_can_be_retried() {
    let fx = Fixture::new();
    with_home(&fx.home(), || {
        // Something in the way of the temporary database.
        let blocker = fx.root.join("repo/.envguard/secrets/.prod.sqlite.init/x");
        std::fs::create_dir_all(&blocker).unwrap();
        let mut s = fx.store();
        assert!(s.init(&op(), "prod").is_err());
        let keys = fx.home().join("keys");
        let left: Vec<_> = std::fs::read_dir(&keys)
            .unwrap()
            .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
            .collect();
        assert!(left.is_empty(), "{left:?}");
        assert!(!fx.root.join("repo/.envguard/secrets/prod.sqlite").exists());
        std::fs::remove_dir_all(blocker.parent().unwrap()).unwrap();
        let mut s = fx.store();
        s.init(&op(), "prod").unwrap();
    });
}
