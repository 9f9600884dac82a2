use super::*;
use envguard_model::Format::Dotenv;

#[test]
fn assignments_quotes_and_comments() {
    let text = "\
# database settings
DB_HOST=db.internal
export DB_USER = admin
DB_PASSWORD='p@ss#word $HOME'
API_KEY=\"line1\\nline2 \\\"q\\\" \\\\ \\$x \\w\"
TOKEN=abc123 # rotated monthly
URL=http://x/#frag
EMPTY=

   INDENTED=yes
";
    let out = run(Dotenv, text);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            ("DB_HOST", "db.internal", r(2, 9, 2, 20)),
            ("DB_USER", "admin", r(3, 18, 3, 23)),
            ("DB_PASSWORD", "p@ss#word $HOME", r(4, 14, 4, 29)),
            ("API_KEY", "line1\nline2 \"q\" \\ $x \\w", r(5, 10, 5, 38)),
            ("TOKEN", "abc123", r(6, 7, 6, 13)),
            ("URL", "http://x/#frag", r(7, 5, 7, 19)),
            ("EMPTY", "", r(8, 7, 8, 7)),
            ("INDENTED", "yes", r(10, 13, 10, 16)),
        ]
    );
    for f in &out.facts[..3] {
        assert_eq!(covered(text, f.region), f.value);
    }
    assert!(out.hints.is_empty());
}

#[test]
fn multi_line_quoted_values_and_crlf() {
    let text =
        "A=1\r\nCERT=\"-----BEGIN-----\r\nMIIB\r\n-----END-----\"\r\nKEY='x\r\ny'\r\nB=2\r\n";
    let out = run(Dotenv, text);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            ("A", "1", r(1, 3, 1, 4)),
            (
                "CERT",
                "-----BEGIN-----\nMIIB\n-----END-----",
                r(2, 7, 4, 14)
            ),
            ("KEY", "x\ny", r(5, 6, 6, 2)),
            ("B", "2", r(7, 3, 7, 4)),
        ]
    );
}

#[test]
fn bad_lines_are_issues_and_parsing_goes_on() {
    let text = "GOOD=1\nthis is not an assignment\nDB_HOST: db\nexport ONLY\nQ=\"open\nLAST=2\n";
    let out = run(Dotenv, text);
    let lines: Vec<u32> = out.errors.iter().map(|e| e.region.start_line).collect();
    assert_eq!(lines, vec![2, 3, 5], "{:#?}", out.errors);
    assert_eq!(out.errors[0].region, r(2, 1, 2, 26));
    assert!(
        out.errors[2].message.contains("unterminated"),
        "{}",
        out.errors[2].message
    );
    let keys: Vec<&str> = out.facts.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, vec!["GOOD", "LAST"]);
}

#[test]
fn text_after_closing_quote_is_reported_but_kept() {
    let out = run(Dotenv, "A='x'y\nB=1\n");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].region.start_line, 1);
    assert_eq!(kv(&out)[0], ("A", "x", r(1, 4, 1, 5)));
    assert_eq!(out.facts.len(), 2);
}

#[test]
fn environment_hints() {
    let out = run(
        Dotenv,
        "ENVIRONMENT=staging\nSTAGE=\"prod\"\nNODE_ENV=production\nENV=${X}\n",
    );
    assert_eq!(
        hints(&out),
        vec![
            ("staging", "ENVIRONMENT", r(1, 13, 1, 20)),
            ("prod", "STAGE", r(2, 8, 2, 12)),
        ]
    );
}

#[test]
fn non_utf8_is_decoded_lossily() {
    let out = envguard_extract::extract(Dotenv, b"A=caf\xe9\nB=\xc3\xa9t\xc3\xa9\n");
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            ("A", "caf\u{FFFD}", r(1, 3, 1, 7)),
            ("B", "été", r(2, 3, 2, 6))
        ]
    );
}

#[test]
fn hash_right_after_equals_is_part_of_the_value() {
    let text = "REDIS_PASSWORD=#x9Lq*2v\nNOTE= # only a comment\nA=b#c\n";
    let out = run(Dotenv, text);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            ("REDIS_PASSWORD", "#x9Lq*2v", r(1, 16, 1, 24)),
            ("NOTE", "", r(2, 7, 2, 7)),
            ("A", "b#c", r(3, 3, 3, 6)),
        ]
    );
}
