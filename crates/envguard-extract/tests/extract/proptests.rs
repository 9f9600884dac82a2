//! Property tests: arbitrary bytes never panic; generated files round-trip.
use super::*;
use envguard_model::Format;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Style {
    Unquoted,
    Single,
    Double,
}

fn dotenv_value() -> impl Strategy<Value = (String, Style)> {
    prop_oneof![
        // Unquoted: one line, no leading quote, no ` #`, no surrounding blanks.
        "[A-Za-z0-9_./:@%+=-]{0,24}".prop_map(|v| (v, Style::Unquoted)),
        // Single-quoted: anything but a single quote, newlines included.
        "[^'\r]{0,24}".prop_map(|v| (v, Style::Single)),
        // Double-quoted: anything; escaped when written.
        "(?s).{0,24}".prop_map(|v| (v.replace('\r', ""), Style::Double)),
    ]
}

fn write_dotenv_value(value: &str, style: &Style) -> String {
    match style {
        Style::Unquoted => value.to_owned(),
        Style::Single => format!("'{value}'"),
        Style::Double => {
            let mut s = String::from("\"");
            for c in value.chars() {
                match c {
                    '"' => s.push_str("\\\""),
                    '\\' => s.push_str("\\\\"),
                    '\n' => s.push_str("\\n"),
                    '\t' => s.push_str("\\t"),
                    c => s.push(c),
                }
            }
            s.push('"');
            s
        }
    }
}

/// Java-style escaping of a properties key or value.
fn write_properties(text: &str, is_key: bool) -> String {
    let mut s = String::new();
    for (i, c) in text.chars().enumerate() {
        match c {
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '\x0c' => s.push_str("\\f"),
            '=' | ':' | '#' | '!' => {
                s.push('\\');
                s.push(c);
            }
            ' ' if is_key || i == 0 => s.push_str("\\ "),
            c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        for format in [Format::Dotenv, Format::Properties, Format::Yaml, Format::Json, Format::Toml, Format::Hcl] {
            let out = envguard_extract::extract(format, &bytes);
            for f in &out.facts {
                prop_assert!(f.region.start_line >= 1 && f.region.start_column >= 1);
            }
        }
    }

    #[test]
    fn dotenv_like_bytes_never_panic(text in "[A-Z_=#'\"\\\\ \t\r\n$a-z{}`]{0,300}") {
        let _ = run(Format::Dotenv, &text);
        let _ = run(Format::Properties, &text);
    }

    #[test]
    fn dotenv_assignments_round_trip(
        entries in proptest::collection::vec(
            ("[A-Z_][A-Z0-9_]{0,15}", dotenv_value(), any::<bool>(), 0usize..3),
            1..20,
        ),
        crlf in any::<bool>(),
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        let mut line = 1u32;
        let mut expected = Vec::new();
        for (key, (value, style), export, blanks) in &entries {
            for _ in 0..*blanks {
                text.push_str("# comment");
                text.push_str(nl);
                line += 1;
            }
            let written = write_dotenv_value(value, style);
            let prefix = if *export { "export " } else { "" };
            text.push_str(&format!("{prefix}{key}={written}{nl}"));
            let end_line = line + written.matches('\n').count() as u32;
            expected.push((key.clone(), value.clone(), line, end_line));
            line = end_line + 1;
        }
        let out = run(Format::Dotenv, &text);
        prop_assert_eq!(&out.errors, &vec![]);
        prop_assert_eq!(out.facts.len(), expected.len());
        for (f, (key, value, start, end)) in out.facts.iter().zip(&expected) {
            prop_assert_eq!(&f.key, key);
            prop_assert_eq!(&f.value, value);
            prop_assert_eq!((f.region.start_line, f.region.end_line), (*start, *end));
        }
        for (f, (_, (value, style), _, _)) in out.facts.iter().zip(&entries) {
            if !matches!(style, Style::Double) {
                prop_assert_eq!(&covered(&text, f.region), value);
            }
        }
    }

    #[test]
    fn properties_round_trip(
        entries in proptest::collection::vec(
            ("[a-z][a-z0-9.]{0,15}", "(?s).{0,30}", prop_oneof![Just("="), Just(": "), Just(" ")], 0usize..3),
            1..20,
        ),
    ) {
        let mut text = String::new();
        let mut line = 1u32;
        let mut expected = Vec::new();
        for (key, value, sep, split) in &entries {
            let written = write_properties(value, false);
            // Split the written value over continuation lines at char boundaries
            // that do not fall inside an escape.
            let chars: Vec<char> = written.chars().collect();
            let mut parts = vec![String::new()];
            let mut escaped = false;
            for (i, c) in chars.iter().enumerate() {
                parts.last_mut().unwrap().push(*c);
                escaped = *c == '\\' && !escaped;
                if !escaped && *split > 0 && i % 7 == 6 && i + 1 < chars.len() && chars[i + 1] != ' ' && chars[i + 1] != '\t' && chars[i + 1] != '\x0c' {
                    parts.push(String::new());
                }
            }
            let body = parts.join("\\\n    ");
            text.push_str(&format!("{}{}{}\n", write_properties(key, true), sep, body));
            expected.push((key.clone(), value.clone(), line));
            line += parts.len() as u32;
            if *split == 2 {
                text.push_str("! comment\n\n");
                line += 2;
            }
        }
        let out = run(Format::Properties, &text);
        prop_assert_eq!(&out.errors, &vec![]);
        prop_assert_eq!(out.facts.len(), expected.len(), "{}", text);
        for (f, (key, value, start)) in out.facts.iter().zip(&expected) {
            prop_assert_eq!(&f.key, key);
            prop_assert_eq!(&f.value, value);
            prop_assert_eq!(f.region.start_line, *start);
        }
    }
}
