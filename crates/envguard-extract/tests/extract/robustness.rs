//! Hostile inputs: deep nesting, alias bombs, arbitrary bytes.
use super::*;
use envguard_model::Format;

const ALL: [Format; 6] = [
    Format::Dotenv,
    Format::Properties,
    Format::Yaml,
    Format::Json,
    Format::Toml,
    Format::Hcl,
];

#[test]
fn yaml_nested_100_000_levels_is_refused_quickly() {
    let n = 100_000;
    // Flow style: the scanner's own limit (255 flow levels) stops it.
    for text in [
        format!("{}{}", "[".repeat(n), "]".repeat(n)),
        format!("{}x{}", "{a: ".repeat(n), "}".repeat(n)),
    ] {
        let out = run(Format::Yaml, &text);
        assert_eq!(out.errors.len(), 1, "{:#?}", out.errors);
        assert_eq!(out.errors[0].region.start_line, 1);
    }
    // Block style (`- - - … x`): our depth cap stops it.
    let out = run(Format::Yaml, &format!("{}x\n", "- ".repeat(n)));
    assert_eq!(out.errors.len(), 1, "{:#?}", out.errors);
    assert!(
        out.errors[0].message.contains("nesting deeper than 256"),
        "{}",
        out.errors[0].message
    );
    assert_eq!(out.errors[0].region, r(1, 513, 1, 513));
    assert!(out.facts.is_empty());
}

#[test]
fn yaml_billion_laughs_is_cut_short() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let out = run(Format::Yaml, &text);
    assert_eq!(out.errors.len(), 1, "{:#?}", out.errors);
    assert!(out.errors[0].message.contains("alias"));
    // The budget bounds the facts: 10^9 without it.
    assert!(out.facts.len() < 20_000, "{}", out.facts.len());
    assert!(out.facts.len() > 5_000);
}

#[test]
fn yaml_recursive_alias_is_an_issue() {
    let out = run(Format::Yaml, "a: &a [1, *a]\nb: 2\n");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].region, r(1, 11, 1, 13));
    assert_eq!(
        kv(&out),
        vec![("a.0", "1", r(1, 8, 1, 9)), ("b", "2", r(2, 4, 2, 5))]
    );
}

#[test]
fn deep_nesting_in_every_format_is_an_issue_not_a_crash() {
    let n = 100_000;
    let cases = [
        (Format::Json, format!("{}{}", "[".repeat(n), "]".repeat(n))),
        (
            Format::Json,
            format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)),
        ),
        (
            Format::Toml,
            format!("a = {}{}", "[".repeat(n), "]".repeat(n)),
        ),
        (
            Format::Toml,
            format!("a = {}1{}", "{b = ".repeat(n), "}".repeat(n)),
        ),
        (
            Format::Hcl,
            format!("a = {}{}", "[".repeat(n), "]".repeat(n)),
        ),
        (
            Format::Hcl,
            format!("{}{}", "b {\n".repeat(n), "}\n".repeat(n)),
        ),
    ];
    for (format, text) in cases {
        let out = run(format, &text);
        assert!(!out.errors.is_empty(), "{format:?}");
    }
}

/// Every region is well-formed and on a line of the input.
fn assert_regions_within(bytes: &[u8], out: &envguard_model::Extraction) {
    let lines = bytes.iter().filter(|b| **b == b'\n').count() as u32 + 1;
    let regions = out
        .facts
        .iter()
        .map(|f| f.region)
        .chain(out.hints.iter().map(|h| h.region))
        .chain(out.errors.iter().map(|e| e.region));
    for r in regions {
        assert!(r.start_line >= 1 && r.start_column >= 1, "{r:?}");
        assert!(
            (r.start_line, r.start_column) <= (r.end_line, r.end_column),
            "{r:?}"
        );
        assert!(r.end_line <= lines, "{r:?} past line {lines}");
    }
}

#[test]
fn fuzz_regressions() {
    // YAML: an error at end of input was reported one line past the last line.
    let yaml = b"apiVersio3: v1\nkind: Sec[et\nmetadata:\n  name:\\t\xd1E\x17]t\x01on:\n  na    p ";
    let out = envguard_extract::extract(Format::Yaml, yaml);
    assert_eq!(out.errors.len(), 1, "{:#?}", out.errors);
    assert_regions_within(yaml, &out);
}

#[test]
fn junk_never_panics() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"ab=: \n\r\t\"'\\#!{}[],-&*|>$%@`u0x\xc3\xa9\xff";
    for _ in 0..300 {
        let len = (next() % 200) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        for format in ALL {
            let out = envguard_extract::extract(format, &bytes);
            for f in &out.facts {
                assert!(f.region.start_line >= 1 && f.region.start_column >= 1);
                assert!(
                    (f.region.start_line, f.region.start_column)
                        <= (f.region.end_line, f.region.end_column)
                );
            }
        }
    }
}
