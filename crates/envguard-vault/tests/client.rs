//! The client against a real `bao server -dev` (no mock of the HTTP API).

use std::collections::BTreeMap;

use envguard_vault::testing::DevServer;
use envguard_vault::{Client, MetadataUpdate, VaultError};
use serde_json::{json, Map, Value};

fn server() -> DevServer {
    DevServer::start().unwrap_or_else(|e| panic!("the OpenBao dev server is needed: {e}"))
}

fn data(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("object"),
    }
}

#[test]
fn kv_v2_read_write_cas_list_metadata_delete_destroy() {
    let s = server();
    let c = s.client();
    let v1 = c
        .kv_write(
            "secret",
            "prod/db",
            &data(json!({"password": "first-value"})),
            Some(0),
        )
        .expect("create");
    assert_eq!(v1.version, 1);
    // check-and-set 0 on an existing secret is refused, typed
    let e = c
        .kv_write(
            "secret",
            "prod/db",
            &data(json!({"password": "x"})),
            Some(0),
        )
        .expect_err("cas 0 on existing");
    assert!(matches!(e, VaultError::CasMismatch { cas: 0, .. }), "{e}");
    assert!(!e.to_string().contains("\"x\""));
    let v2 = c
        .kv_write(
            "secret",
            "prod/db",
            &data(json!({"password": "second-value"})),
            Some(1),
        )
        .expect("cas 1");
    assert_eq!(v2.version, 2);
    let cur = c.kv_read("secret", "prod/db", None).expect("read");
    assert_eq!(cur.metadata.version, 2);
    assert_eq!(
        cur.data.as_ref().and_then(|d| d.get("password")),
        Some(&json!("second-value"))
    );
    let old = c.kv_read("secret", "prod/db", Some(1)).expect("read v1");
    assert_eq!(
        old.data.as_ref().and_then(|d| d.get("password")),
        Some(&json!("first-value"))
    );

    c.kv_write("secret", "prod/api/key", &data(json!({"k": "v"})), None)
        .expect("nested");
    assert_eq!(c.kv_list("secret", "").expect("root"), vec!["prod/"]);
    assert_eq!(
        c.kv_list("secret", "prod").expect("prod"),
        vec!["api/", "db"]
    );
    assert!(c
        .kv_list("secret", "nothing-here")
        .expect("empty")
        .is_empty());

    let mut custom = BTreeMap::new();
    custom.insert(
        "envguard_rotated_utc".to_owned(),
        "2026-01-01T00:00:00Z".to_owned(),
    );
    custom.insert("owner".to_owned(), "payments".to_owned());
    c.kv_write_metadata(
        "secret",
        "prod/db",
        &MetadataUpdate {
            custom_metadata: Some(custom.clone()),
            ..Default::default()
        },
    )
    .expect("metadata write");
    let meta = c.kv_metadata("secret", "prod/db").expect("metadata");
    assert_eq!(meta.current_version, 2);
    assert_eq!(meta.custom_metadata, custom);
    assert_eq!(meta.versions.len(), 2);

    c.kv_delete_versions("secret", "prod/db", &[2])
        .expect("delete");
    let meta = c.kv_metadata("secret", "prod/db").expect("metadata");
    assert!(meta.versions[&2].deletion_time.is_some());
    c.kv_destroy_versions("secret", "prod/db", &[1])
        .expect("destroy");
    let meta = c.kv_metadata("secret", "prod/db").expect("metadata");
    assert!(meta.versions[&1].destroyed);
    c.kv_delete_all("secret", "prod/api/key")
        .expect("delete all");
    let e = c.kv_metadata("secret", "prod/api/key").expect_err("gone");
    assert!(e.is_not_found(), "{e}");
    assert!(
        e.to_string().contains("secret/metadata/prod/api/key"),
        "{e}"
    );
}

#[test]
fn mounts_audit_devices_and_policies() {
    let s = server();
    let c = s.client();
    c.enable_kv_v2("kv-prod", "prod secrets").expect("mount");
    let mounts = c.mounts().expect("mounts");
    let m = mounts
        .iter()
        .find(|m| m.path == "kv-prod/")
        .expect("listed");
    assert!(m.is_kv_v2());
    assert!(mounts.iter().any(|m| m.path == "secret/" && m.is_kv_v2()));
    assert!(!mounts
        .iter()
        .find(|m| m.path == "sys/")
        .expect("sys")
        .is_kv_v2());

    assert!(c.audit_devices().expect("none").is_empty());
    let log = s.dir().join("audit.log");
    c.enable_file_audit("file", &log.display().to_string())
        .expect("enable audit");
    let devices = c.audit_devices().expect("devices");
    assert_eq!(devices.len(), 1);
    assert_eq!(
        (devices[0].path.as_str(), devices[0].kind.as_str()),
        ("file/", "file")
    );
    assert_eq!(
        devices[0].options.get("file_path"),
        Some(&log.display().to_string())
    );
    c.disable_audit("file").expect("disable");
    assert!(c.audit_devices().expect("none again").is_empty());

    let hcl = "path \"secret/data/staging/*\" {\n  capabilities = [\"read\"]\n}\n";
    c.write_policy("staging-app", hcl).expect("write policy");
    let names = c.policies().expect("policies");
    assert!(names.contains(&"staging-app".to_owned()), "{names:?}");
    assert_eq!(c.read_policy("staging-app").expect("read"), hcl);
    let e = c
        .write_policy("broken", "path \"secret/*\" { capabilities = [\"read\"] ")
        .expect_err("the server refuses broken HCL");
    assert!(matches!(e, VaultError::Status { status: 400, .. }), "{e}");
    c.delete_policy("staging-app").expect("delete");
    assert!(c
        .read_policy("staging-app")
        .expect_err("gone")
        .is_not_found());
}

#[test]
fn a_token_without_rights_gets_a_typed_403_naming_the_path_not_the_token() {
    let s = server();
    let c = Client::new(s.address(), "not-a-real-token-zz9").expect("client");
    let e = c.kv_read("secret", "prod/db", None).expect_err("403");
    assert!(matches!(e, VaultError::PermissionDenied { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("secret/data/prod/db") && text.contains("permission denied"),
        "{text}"
    );
    assert!(text.contains(s.address()), "{text}");
    assert!(!text.contains("zz9"), "{text}");
}

#[test]
fn an_unreachable_server_is_named_and_retried_a_bounded_number_of_times() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let address = format!("http://127.0.0.1:{port}");
    let c = Client::new(&address, "t")
        .expect("client")
        .with_retry(envguard_vault::RetryPolicy {
            max_retries: 2,
            min_delay: std::time::Duration::from_millis(10),
            max_delay: std::time::Duration::from_millis(20),
        });
    let e = c.mounts().expect_err("nothing listens");
    assert!(matches!(e, VaultError::Unreachable { .. }), "{e}");
    assert!(e.is_transient());
    assert!(e.to_string().contains(&address), "{e}");
}

#[test]
fn from_env_reads_the_vault_variables() {
    // Only this test of this binary touches these variables.
    std::env::set_var("VAULT_ADDR", "http://127.0.0.1:8200/");
    std::env::set_var("VAULT_TOKEN", "hvs.from-env");
    std::env::set_var("VAULT_NAMESPACE", "team-a/");
    let c = Client::from_env().expect("from env");
    assert_eq!(c.address(), "http://127.0.0.1:8200");
    assert_eq!(c.namespace(), Some("team-a"));
    std::env::remove_var("VAULT_TOKEN");
    std::env::remove_var("BAO_TOKEN");
    assert!(matches!(Client::from_env(), Err(VaultError::Config(_))));
}

/// A sealed server answers 503: a typed, transient error after the bounded retries.
#[test]
fn a_sealed_server_is_a_transient_503() {
    let s = server();
    let c = s.client();
    c.seal().expect("seal");
    let e = c.mounts().expect_err("sealed");
    assert!(matches!(e, VaultError::Status { status: 503, .. }), "{e}");
    assert!(e.is_transient());
    assert!(e.to_string().contains("sys/mounts"), "{e}");
}

/// Something that is not Vault answers at the address (an SSO proxy's
/// login page): a typed "malformed response" naming address and path.
#[test]
fn a_non_json_answer_is_a_malformed_response() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let proxy = std::thread::spawn(move || {
        if let Ok((mut conn, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let page = "<html><body>Sign in to continue</body></html>";
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
        }
    });
    let c = Client::new(&address, "t").expect("client");
    let e = c.kv_metadata("secret", "prod/db").expect_err("html");
    assert!(matches!(e, VaultError::Malformed { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains(&address) && text.contains("secret/metadata/prod/db"),
        "{text}"
    );
    proxy.join().expect("proxy thread");
}

/// A TLS server with a private CA: trusted through the CA file (as
/// `VAULT_CACERT`), refused without it, with the address in the error.
#[test]
fn https_with_a_private_ca() {
    let s =
        DevServer::start_tls().unwrap_or_else(|e| panic!("the OpenBao dev server is needed: {e}"));
    assert!(s.address().starts_with("https://"));
    let c = s.client();
    assert!(c.health().expect("health over TLS").initialized);
    let bare = Client::new(s.address(), s.root_token())
        .expect("client")
        .with_retry(envguard_vault::RetryPolicy {
            max_retries: 0,
            ..Default::default()
        });
    let e = bare.mounts().expect_err("unknown issuer");
    assert!(matches!(e, VaultError::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains(s.address()), "{e}");
    let not_pem = s.dir().join("not.pem");
    std::fs::write(&not_pem, "hello").expect("write");
    let e = Client::new(s.address(), "t")
        .expect("client")
        .with_ca_file(&not_pem)
        .expect_err("no certificate");
    assert!(
        matches!(e, VaultError::Config(_)) && e.to_string().contains("not.pem"),
        "{e}"
    );
}
