//! scan_text and classify_value never panic and always return in-bounds spans.

use envguard_detect::{Detector, SecretMatch};
use proptest::prelude::*;

const PIECES: &[&str] = &[
    "password",
    "PASSWORD",
    "=",
    ": ",
    "\"",
    "'",
    "`",
    "token",
    "Key",
    "api_key",
    "\n",
    "\r\n",
    " ",
    "ghp_",
    "AKIA",
    "xoxb-",
    "://",
    "@",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "eyJ",
    ".",
    "${",
    "}",
    "Xq7!tRw2pLm9ZkVb",
    "MIIEpAIBAAKCAQEA",
    "é",
    "\u{1F511}",
    "\\n",
    "#",
    ";",
    "secret",
    "auth",
    "dsn",
    "pwd",
    "=>",
    ":=",
    "sk-ant-",
    "SG.",
    "AIza",
    "0Q~",
    "|",
];

fn assembled() -> impl Strategy<Value = String> {
    prop::collection::vec((0..PIECES.len(), "[A-Za-z0-9+/=_-]{0,12}"), 0..40).prop_map(|v| {
        v.into_iter()
            .map(|(i, s)| format!("{}{}", PIECES[i], s))
            .collect::<String>()
    })
}

fn check(text: &[u8], out: &[SecretMatch]) {
    for m in out {
        assert!(
            m.span.start < m.span.end && m.span.end <= text.len(),
            "{m:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn scan_text_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let mut out = Vec::new();
        Detector::builtin().scan_text(&bytes, &mut out);
        check(&bytes, &out);
    }

    #[test]
    fn scan_text_secretish_text(text in assembled()) {
        let mut out = Vec::new();
        Detector::builtin().scan_text(text.as_bytes(), &mut out);
        check(text.as_bytes(), &out);
    }

    #[test]
    fn classify_value_spans_are_char_boundaries(key in "[A-Za-z_.]{0,20}", value in assembled()) {
        let k = if key.is_empty() { None } else { Some(key.as_str()) };
        if let Some(m) = Detector::builtin().classify_value(k, &value) {
            prop_assert!(m.span.start < m.span.end && m.span.end <= value.len());
            prop_assert!(value.is_char_boundary(m.span.start) && value.is_char_boundary(m.span.end));
        }
    }
}
