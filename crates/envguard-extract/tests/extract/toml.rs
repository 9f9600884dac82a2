use super::*;
use envguard_model::Format::Toml;

const APP: &str = r#"title = "svc"
environment = "staging"

[database]
password = "hunter2"
url = 'postgres://db'
port = 5432
multi = """
line1
line2"""
created = 1979-05-27T07:32:00Z

[[servers]]
name = "a"
[[servers]]
name = "b"
tags = { Environment = "prod" }
"#;

#[test]
fn tables_arrays_of_tables_and_scalars() {
    let out = run(Toml, APP);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            ("title", "svc", r(1, 10, 1, 13)),
            ("environment", "staging", r(2, 16, 2, 23)),
            ("database.password", "hunter2", r(5, 13, 5, 20)),
            ("database.url", "postgres://db", r(6, 8, 6, 21)),
            ("database.port", "5432", r(7, 8, 7, 12)),
            ("database.multi", "line1\nline2", r(8, 12, 10, 6)),
            (
                "database.created",
                "1979-05-27T07:32:00Z",
                r(11, 11, 11, 31)
            ),
            ("servers.0.name", "a", r(14, 9, 14, 10)),
            ("servers.1.name", "b", r(16, 9, 16, 10)),
            ("servers.1.tags.Environment", "prod", r(17, 25, 17, 29)),
        ]
    );
    assert_eq!(
        hints(&out),
        vec![
            ("staging", "environment", r(2, 16, 2, 23)),
            ("prod", "servers.1.tags.Environment", r(17, 25, 17, 29)),
        ]
    );
}

#[test]
fn dotted_keys_keep_source_order() {
    let out = run(Toml, "z = 1\na.b.c = \"x\"\nb = 2\n");
    let keys: Vec<&str> = out.facts.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, vec!["z", "a.b.c", "b"]);
}

#[test]
fn broken_toml_reports_the_line_and_keeps_earlier_facts() {
    let out = run(Toml, "a = \"1\"\nb = \"2\nc = 3\n");
    assert!(!out.errors.is_empty());
    assert_eq!(out.errors[0].region.start_line, 2, "{:#?}", out.errors);
    assert_eq!(kv(&out), vec![("a", "1", r(1, 6, 1, 7))]);
    let out = run(Toml, "[a]\nx = 1\n[a]\ny = 2\n");
    assert_eq!(out.errors.len(), 1, "{:#?}", out.errors);
    assert_eq!(out.errors[0].region.start_line, 3);
}
