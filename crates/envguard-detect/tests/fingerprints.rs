use base64::Engine as _;
use envguard_detect::{normalize_secret, redacted_preview, Detector, Fingerprinter, SecretMatch};
use proptest::prelude::*;

const PEM: &str = include_str!("data/rsa.pem");

fn fp() -> Fingerprinter {
    Fingerprinter::with_key(b"test key")
}

#[test]
fn pem_file_and_k8s_secret_fingerprint_alike() {
    let f = fp();
    // The key as found in a .key file (scan_text span).
    let mut out = Vec::new();
    Detector::builtin().scan_text(PEM.as_bytes(), &mut out);
    let m: &SecretMatch = out
        .iter()
        .find(|m| m.rule_id == "private-key")
        .expect("pem found");
    let from_file = &PEM.as_bytes()[m.span.clone()];

    // The same key base64-encoded in a Kubernetes Secret, decoded by the extractor.
    let b64 = base64::engine::general_purpose::STANDARD.encode(PEM.as_bytes());
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("b64");
    let from_k8s = Detector::builtin()
        .classify_value(
            Some("tls.key"),
            std::str::from_utf8(&decoded).expect("utf8"),
        )
        .expect("pem in secret");
    let k8s_secret = &decoded[from_k8s.span.clone()];

    assert_eq!(
        f.fingerprint("private-key", from_file),
        f.fingerprint("private-key", k8s_secret)
    );
    // Trailing newline, CRLF line endings, YAML indentation, JSON `\n` escapes.
    let crlf = PEM.replace('\n', "\r\n");
    let indented: String = PEM.lines().map(|l| format!("    {l}\n")).collect();
    let json_escaped = PEM.trim_end().replace('\n', "\\n");
    let a = f.fingerprint("private-key", PEM.as_bytes());
    for variant in [PEM.trim_end().to_string(), crlf, indented, json_escaped] {
        assert_eq!(
            a,
            f.fingerprint("private-key", variant.as_bytes()),
            "{variant:.60}"
        );
    }
    // Found by another rule (GCP service-account JSON): same fingerprint.
    let json = format!(
        "{{\"private_key\": \"{}\\n\"}}",
        PEM.trim_end().replace('\n', "\\n")
    );
    assert_eq!(a, f.fingerprint("gcp-service-account-key", json.as_bytes()));
}

#[test]
fn quotes_and_whitespace_do_not_change_fingerprints() {
    let f = fp();
    let a = f.fingerprint("generic-secret", b"Xq7!tRw2pLm9ZkVb");
    for v in [
        &b"Xq7!tRw2pLm9ZkVb\n"[..],
        b"  Xq7!tRw2pLm9ZkVb  ",
        b"\"Xq7!tRw2pLm9ZkVb\"",
        b"'Xq7!tRw2pLm9ZkVb'\r\n",
    ] {
        assert_eq!(a, f.fingerprint("generic-secret", v));
    }
    assert_ne!(a, f.fingerprint("generic-secret", b"Xq7!tRw2pLm9ZkVc"));
}

#[test]
fn same_password_in_dotenv_and_connection_string_matches() {
    let d = Detector::builtin();
    let f = fp();
    let dotenv = "DB_PASSWORD=Xq7!tRw2pLm9ZkVb\n";
    let url = "DATABASE_URL=postgres://orders:Xq7!tRw2pLm9ZkVb@db.prod.internal:5432/orders\n";
    let (mut a, mut b) = (Vec::new(), Vec::new());
    d.scan_text(dotenv.as_bytes(), &mut a);
    d.scan_text(url.as_bytes(), &mut b);
    let (a, b) = (&a[0], &b[0]);
    assert_eq!(a.rule_id, "generic-secret");
    assert_eq!(b.rule_id, "connection-string");
    assert_eq!(
        f.fingerprint(a.rule_id, &dotenv.as_bytes()[a.span.clone()]),
        f.fingerprint(b.rule_id, &url.as_bytes()[b.span.clone()])
    );
    // And through classify_value (config extractors).
    let c = d
        .classify_value(Some("DB_PASSWORD"), "Xq7!tRw2pLm9ZkVb")
        .expect("c");
    assert_eq!(
        f.fingerprint(c.rule_id, b"Xq7!tRw2pLm9ZkVb"),
        f.fingerprint(a.rule_id, &dotenv.as_bytes()[a.span.clone()])
    );
}

#[test]
fn keys_separate_fingerprints() {
    let a = Fingerprinter::with_key(b"one").fingerprint("x", b"secret-value-1");
    let b = Fingerprinter::with_key(b"two").fingerprint("x", b"secret-value-1");
    assert_ne!(a, b);
    let r1 = Fingerprinter::from_env_or_random();
    let r2 = Fingerprinter::from_env_or_random();
    if std::env::var_os("ENVGUARD_FINGERPRINT_KEY").is_none() {
        assert_ne!(r1.fingerprint("x", b"v"), r2.fingerprint("x", b"v"));
    }
    assert_eq!(Fingerprinter::to_hex(&a).len(), 64);
}

#[test]
fn normalize_is_borrowed_when_nothing_changes() {
    assert!(matches!(
        normalize_secret("generic-secret", b"abc"),
        std::borrow::Cow::Borrowed(b"abc")
    ));
    assert_eq!(&*normalize_secret("generic-secret", b" \"abc\"\n"), b"abc");
    let body = normalize_secret("private-key", PEM.as_bytes());
    assert!(body
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(c)));
    assert!(body.starts_with(b"MIIEpAIBAAKCAQEA"));
}

#[test]
fn preview_examples() {
    assert_eq!(
        redacted_preview("q7RzzzzzzzzzzzzzzzzzzzzZ"),
        "q7R\u{2026}(24 chars)"
    );
    assert_eq!(redacted_preview("hunter2x"), "\u{2026}(8 chars)");
    assert_eq!(redacted_preview("abcdefghijk"), "\u{2026}(11 chars)");
    assert_eq!(redacted_preview("abcdefghijkl"), "abc\u{2026}(12 chars)");
    let p = redacted_preview(PEM.trim_end());
    assert!(
        p.starts_with("-----BEGIN RSA PRIVATE KEY-----\u{2026}("),
        "{p}"
    );
    assert!(!p.contains("MII"));
}

proptest! {
    #[test]
    fn preview_reveals_at_most_three_chars(secret in "\\PC{0,80}") {
        prop_assume!(!secret.trim_start().starts_with("-----BEGIN "));
        let p = redacted_preview(&secret);
        let n = secret.chars().count();
        let suffix = format!("\u{2026}({n} chars)");
        prop_assert!(p.ends_with(&suffix), "{p}");
        let shown = &p[..p.len() - suffix.len()];
        prop_assert!(shown.chars().count() <= 3);
        if n < 12 {
            prop_assert!(shown.is_empty());
        }
        // What is shown is a prefix of the secret (control chars masked).
        const MASK: char = '\u{fffd}';
        for (a, b) in shown.chars().zip(secret.chars()) {
            prop_assert!(a == b || a == MASK);
        }
    }

    #[test]
    fn fingerprint_ignores_surrounding_whitespace(secret in "[A-Za-z0-9!#%^*+=_-]{1,64}", pre in "[ \t\r\n]{0,3}", post in "[ \t\r\n]{0,3}") {
        let f = fp();
        let padded = format!("{pre}{secret}{post}");
        prop_assert_eq!(f.fingerprint("generic-secret", secret.as_bytes()), f.fingerprint("generic-secret", padded.as_bytes()));
    }
}
