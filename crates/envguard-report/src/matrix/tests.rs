use super::html::esc;
use super::md::MD_ENV_HEADER;
use super::*;
use envguard_model::{EnvSummary, Isolation, RuleMeta, ScanStats, Tier};

const ERROR_RULE: RuleMeta = RuleMeta {
    id: "R01.secret-reuse",
    summary: "The same secret value is used in two or more environments",
    default_severity: Severity::Error,
    clauses: "000 §3 R-01",
    doc: "",
};
const WARNING_RULE: RuleMeta = RuleMeta {
    id: "R07.cross-env-host",
    summary: "A file of one environment names a host of another",
    default_severity: Severity::Warning,
    clauses: "000 §2",
    doc: "",
};

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn env(name: &str, tier: Tier) -> EnvIsolation {
    EnvIsolation {
        name: name.to_owned(),
        tier,
        data_class: None,
        inferred: false,
        paths: Vec::new(),
        files: 0,
        hosts: Vec::new(),
        cidrs: Vec::new(),
        accounts: Vec::new(),
        state_backends: Vec::new(),
        resource_suffix: None,
        secrets: 0,
        findings_by_rule: BTreeMap::new(),
    }
}

fn reference(from: &str, to: &str, count: u64, findings: &[(&str, u64)]) -> CrossReference {
    CrossReference {
        from: from.to_owned(),
        to: to.to_owned(),
        count,
        findings_by_rule: findings
            .iter()
            .map(|(id, n)| ((*id).to_owned(), *n))
            .collect(),
        examples: Vec::new(),
    }
}

fn summary(name: &str, tier: Tier, files: u64) -> EnvSummary {
    EnvSummary {
        name: name.to_owned(),
        tier,
        files,
        inferred: false,
    }
}

/// dev, staging and prod, deliberately out of order; dev → prod behind an
/// error finding, staging → prod behind a warning, prod → dev with no
/// finding, dev ↔ staging clean.
fn sample() -> ScanResult {
    let mut prod = env("prod", Tier::Prod);
    prod.data_class = Some(DataClass::Live);
    prod.paths = strings(&["k8s/overlays/prod/**", "config/production.json"]);
    prod.files = 7;
    prod.hosts = strings(&["db.prod.internal", "api.acme.example"]);
    prod.cidrs = strings(&["10.30.0.0/16"]);
    prod.accounts = strings(&["111111111111"]);
    prod.state_backends = strings(&["s3://acme-tf/prod.tfstate (lock: tf-locks)"]);
    prod.resource_suffix = Some("-prod".to_owned());
    prod.secrets = 2;
    prod.findings_by_rule = [("R01.secret-reuse".to_owned(), 2)].into_iter().collect();

    let mut dev = env("dev", Tier::Dev);
    dev.inferred = true;
    dev.data_class = Some(DataClass::Synthetic);
    dev.files = 4;
    dev.hosts = strings(&["localhost"]);

    let mut staging = env("staging", Tier::Test);
    staging.data_class = Some(DataClass::Masked);
    staging.files = 3;

    let mut dev_prod = reference("dev", "prod", 2, &[("R01.secret-reuse", 1)]);
    dev_prod.examples = strings(&["db.prod.internal", "10.30.0.0/16"]);

    ScanResult {
        root: "examples/acme".to_owned(),
        findings: Vec::new(),
        diagnostics: Vec::new(),
        environments: vec![
            summary("prod", Tier::Prod, 7),
            summary("dev", Tier::Dev, 4),
            summary("staging", Tier::Test, 3),
        ],
        stats: ScanStats::default(),
        rules: vec![ERROR_RULE, WARNING_RULE],
        isolation: Isolation {
            environments: vec![prod, dev, staging],
            references: vec![
                reference("staging", "prod", 1, &[("R07.cross-env-host", 1)]),
                dev_prod,
                reference("prod", "dev", 3, &[]),
            ],
            shared_markers: strings(&["registry.acme.example", "github.com"]),
        },
    }
}

fn empty() -> ScanResult {
    ScanResult {
        root: ".".to_owned(),
        findings: Vec::new(),
        diagnostics: Vec::new(),
        environments: Vec::new(),
        stats: ScanStats::default(),
        rules: vec![ERROR_RULE, WARNING_RULE],
        isolation: Isolation::default(),
    }
}

/// The opening tag of the grid cell from → to.
fn cell<'h>(html: &'h str, from: &str, to: &str) -> &'h str {
    let needle = format!(r#"data-from="{}" data-to="{}""#, esc(from), esc(to));
    let at = html
        .find(&needle)
        .unwrap_or_else(|| panic!("no cell {from} → {to}"));
    let start = html[..at].rfind("<td").unwrap();
    let end = start + html[start..].find("</td>").unwrap();
    &html[start..end]
}

/// `|` that end a Markdown cell (not escaped with a backslash).
fn pipes(line: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in line.chars() {
        if c == '|' && !escaped {
            n += 1;
        }
        escaped = c == '\\' && !escaped;
    }
    n
}

#[test]
fn html_escapes_hostile_names() {
    let mut r = sample();
    let hostile = r#"<script>alert("x&y")</script>'"#;
    r.root = "<img src=x onerror=alert(1)>".to_owned();
    r.isolation.environments[1].name = hostile.to_owned();
    r.isolation.environments[1].hosts = strings(&["<b>evil</b>.example"]);
    r.isolation
        .references
        .push(reference(hostile, "prod", 1, &[]));
    r.isolation.references[0].examples = strings(&["\"><script>x</script>"]);
    let html = render_matrix(&r, MatrixFormat::Html);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"));
    assert!(!html.contains("<b>evil"));
    assert!(html.contains("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&lt;b&gt;evil&lt;/b&gt;.example"));
    // The hostile name is a grid row and column, escaped in its data attributes.
    assert!(cell(&html, hostile, "prod").contains(r#"class="cell warn""#));
    // Control characters never reach the page.
    r.isolation.environments[1].name = "a\u{1b}[31mb\nc".to_owned();
    let html = render_matrix(&r, MatrixFormat::Html);
    assert!(!html.contains('\u{1b}'));
    assert!(html.contains(r"a\u{1b}[31mb\u{a}c"));
}

#[test]
fn html_grid_cells_are_red_amber_green_and_grey() {
    let html = render_matrix(&sample(), MatrixFormat::Html);
    // An active finding of an error rule behind dev → prod.
    let c = cell(&html, "dev", "prod");
    assert!(c.contains(r#"class="cell err""#), "{c}");
    assert!(c.contains(r#"data-count="2""#));
    assert!(c.contains(r#"<span class="n">2</span>"#));
    assert!(
        c.contains(r#"title="dev → prod: 2 reference(s)&#10;examples: 10.30.0.0/16, db.prod.internal&#10;active findings: R01.secret-reuse ×1 (error)""#),
        "tooltip: {c}"
    );
    // Only a warning rule behind staging → prod; no finding behind prod → dev.
    let c = cell(&html, "staging", "prod");
    assert!(c.contains(r#"class="cell warn""#), "{c}");
    assert!(c.contains("R07.cross-env-host ×1 (warning)"), "{c}");
    let c = cell(&html, "prod", "dev");
    assert!(c.contains(r#"class="cell warn""#), "{c}");
    assert!(c.contains("no active findings"), "{c}");
    // No references.
    let c = cell(&html, "dev", "staging");
    assert!(c.contains(r#"class="cell ok""#), "{c}");
    assert!(c.contains(r#"<span class="n">0</span>"#), "{c}");
    assert!(c.contains("no references"), "{c}");
    // The diagonal.
    for e in ["dev", "staging", "prod"] {
        assert!(cell(&html, e, e).contains(r#"class="cell diag""#));
    }
    // 3 × 3 cells; a legend for each colour.
    assert_eq!(html.matches(r#"<td class="cell "#).count(), 9);
    for class in ["ok", "warn", "err", "diag"] {
        assert!(html.contains(&format!(r#"<span class="swatch cell {class}">"#)));
    }
}

#[test]
fn an_unknown_rule_is_not_an_error() {
    let mut r = sample();
    r.isolation.references = vec![reference("dev", "prod", 1, &[("R99.gone", 4)])];
    let html = render_matrix(&r, MatrixFormat::Html);
    assert!(cell(&html, "dev", "prod").contains(r#"class="cell warn""#));
    // An error rule with zero active findings is no error either.
    r.isolation.references = vec![reference("dev", "prod", 1, &[("R01.secret-reuse", 0)])];
    let html = render_matrix(&r, MatrixFormat::Html);
    assert!(cell(&html, "dev", "prod").contains(r#"class="cell warn""#));
}

#[test]
fn cells_say_the_findings_severity_not_the_rules_default() {
    // prod naming a non-prod marker: a warning of an error rule.
    let mut r = sample();
    r.isolation.references = vec![reference("prod", "dev", 1, &[("R01.secret-reuse", 1)])];
    r.findings = vec![envguard_model::FindingBuilder::new(
        "R01.secret-reuse",
        Severity::Warning,
        envguard_model::Location {
            path: "envs/prod/app.env".to_owned(),
            region: envguard_model::Region::line(3),
        },
    )
    .environment("prod")
    .environment("dev")
    .build()];
    let html = render_matrix(&r, MatrixFormat::Html);
    assert!(cell(&html, "prod", "dev").contains(r#"class="cell warn""#));
    let md = render_matrix(&r, MatrixFormat::Markdown);
    assert!(md.contains("`R01.secret-reuse` ×1 (warning)"), "{md}");
    assert!(!md.contains("| 1 (error) |"), "{md}");
    // The same finding at error makes the cell an error.
    r.findings[0].severity = Severity::Error;
    let html = render_matrix(&r, MatrixFormat::Html);
    assert!(cell(&html, "prod", "dev").contains(r#"class="cell err""#));
}

#[test]
fn html_is_one_self_contained_page() {
    let html = render_matrix(&sample(), MatrixFormat::Html);
    assert!(html.starts_with("<!DOCTYPE html>\n"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(!html.contains("<script"));
    for external in [
        "src=", "href=", "http:", "https:", "@import", "url(", "<link",
    ] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(html.contains(&format!(
        "generated by envguard {}",
        env!("CARGO_PKG_VERSION")
    )));
    // Tier badges, in tier order.
    let dev = html
        .find(r#"<span class="tier tier-dev">dev</span>"#)
        .unwrap();
    let test = html
        .find(r#"<span class="tier tier-test">test</span>"#)
        .unwrap();
    let prod = html
        .find(r#"<span class="tier tier-prod">prod</span>"#)
        .unwrap();
    assert!(dev < test && test < prod);
    assert!(html.contains("<code>registry.acme.example</code>"));
}

#[test]
fn html_with_zero_environments() {
    let html = render_matrix(&empty(), MatrixFormat::Html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("No environments found"));
    assert!(!html.contains("<table"));
    assert!(!html.contains("<td"));
    assert!(html.contains("generated by envguard"));
    let md = render_matrix(&empty(), MatrixFormat::Markdown);
    assert!(md.contains("No environments found."));
    assert!(!md.contains(MD_ENV_HEADER));
}

#[test]
fn markdown_tables_have_one_shape() {
    let mut r = sample();
    r.isolation.environments[0].hosts.push("a|b\nc".to_owned());
    r.isolation.environments[2].name = "qa|x\ny".to_owned();
    r.environments[2].name = "qa|x\ny".to_owned();
    r.isolation.references[0].from = "qa|x\ny".to_owned();
    let md = render_matrix(&r, MatrixFormat::Markdown);
    assert!(md.starts_with("# Environment isolation matrix\n"));
    assert!(md.contains("Scanned root: `examples/acme`"));

    let lines: Vec<&str> = md.lines().collect();
    let header = lines.iter().position(|l| *l == MD_ENV_HEADER).unwrap();
    let table: Vec<&str> = lines[header..]
        .iter()
        .take_while(|l| l.starts_with('|'))
        .copied()
        .collect();
    assert_eq!(table.len(), 2 + 3, "{table:#?}");
    for l in &table {
        assert_eq!(pipes(l), 13, "{l}");
    }
    assert!(table[2].starts_with("| **dev** (inferred) | dev | synthetic |"));
    assert!(
        table[3].starts_with(r"| **qa\|x y** | test | masked |"),
        "{}",
        table[3]
    );
    assert!(table[4].starts_with(
        "| **prod** | prod | live | `config/production.json`, `k8s/overlays/prod/**` | 7 |"
    ));
    assert!(table[4].contains(r"`a\|b c`"), "{}", table[4]);
    assert!(table[4].contains("`R01.secret-reuse` ×2 (error)"));

    // The grid: rows = from, columns = to, in tier order.
    let grid = lines
        .iter()
        .position(|l| l.starts_with("| From ↓ / To →"))
        .unwrap();
    let grid: Vec<&str> = lines[grid..]
        .iter()
        .take_while(|l| l.starts_with('|'))
        .copied()
        .collect();
    assert_eq!(grid.len(), 2 + 3, "{grid:#?}");
    for l in &grid {
        assert_eq!(pipes(l), 5, "{l}");
    }
    assert_eq!(grid[0], r"| From ↓ / To → | dev | qa\|x y | prod |");
    assert_eq!(grid[2], "| **dev** | — | — | 2 (error) |");
    assert_eq!(grid[3], r"| **qa\|x y** | — | — | 1 |");
    assert_eq!(grid[4], "| **prod** | 3 | — | — |");
    assert!(md.contains(
        "| dev | prod | 2 | `R01.secret-reuse` ×1 (error) | `10.30.0.0/16`, `db.prod.internal` |"
    ));
    // Shared markers, sorted; the generation note.
    let gh = md.find("- `github.com`").unwrap();
    let reg = md.find("- `registry.acme.example`").unwrap();
    assert!(gh < reg);
    assert!(md.contains(&format!(
        "generated by envguard {}",
        env!("CARGO_PKG_VERSION")
    )));
}

#[test]
fn json_round_trips_through_value() {
    let text = render_matrix(&sample(), MatrixFormat::Json);
    assert!(text.ends_with("}\n"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let again: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
    assert_eq!(v, again);
    assert_eq!(v["version"], 1);
    assert_eq!(v["root"], "examples/acme");
    let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "environments",
            "references",
            "root",
            "shared_markers",
            "version"
        ]
        .into_iter()
        .collect()
    );
    let names: Vec<&str> = v["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dev", "staging", "prod"]);
    let prod = &v["environments"][2];
    assert_eq!(prod["tier"], "prod");
    assert_eq!(prod["data_class"], "live");
    assert_eq!(prod["files"], 7);
    assert_eq!(
        prod["hosts"],
        serde_json::json!(["api.acme.example", "db.prod.internal"])
    );
    assert_eq!(prod["findings_by_rule"]["R01.secret-reuse"], 2);
    assert_eq!(v["environments"][0]["data_class"], "synthetic");
    let refs: Vec<(String, String, u64)> = v["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["from"].as_str().unwrap().to_owned(),
                r["to"].as_str().unwrap().to_owned(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        refs,
        [
            ("dev".to_owned(), "prod".to_owned(), 2),
            ("prod".to_owned(), "dev".to_owned(), 3),
            ("staging".to_owned(), "prod".to_owned(), 1),
        ]
    );
    assert_eq!(
        v["shared_markers"],
        serde_json::json!(["github.com", "registry.acme.example"])
    );
    let empty: serde_json::Value =
        serde_json::from_str(&render_matrix(&empty(), MatrixFormat::Json)).unwrap();
    assert_eq!(empty["environments"], serde_json::json!([]));
    assert_eq!(empty["references"], serde_json::json!([]));
}

#[test]
fn rows_come_from_the_scan_when_the_matrix_lacks_them() {
    let mut r = sample();
    r.isolation.environments.retain(|e| e.name != "staging");
    r.isolation.references.push(reference("qa", "prod", 5, &[]));
    let v: serde_json::Value =
        serde_json::from_str(&render_matrix(&r, MatrixFormat::Json)).unwrap();
    let staging = &v["environments"][1];
    assert_eq!(staging["name"], "staging");
    assert_eq!(staging["tier"], "test");
    assert_eq!(staging["files"], 3);
    // `qa` is only named by a reference: a grid row and column, no table row.
    assert_eq!(v["environments"].as_array().unwrap().len(), 3);
    let html = render_matrix(&r, MatrixFormat::Html);
    assert!(cell(&html, "qa", "prod").contains(r#"data-count="5""#));
    assert_eq!(html.matches(r#"<td class="cell "#).count(), 16);
}

#[test]
fn duplicate_references_are_merged() {
    let mut r = sample();
    let mut again = reference("dev", "prod", 4, &[("R01.secret-reuse", 2)]);
    again.examples = strings(&["a.example", "b.example", "c.example"]);
    r.isolation.references.push(again);
    let v: serde_json::Value =
        serde_json::from_str(&render_matrix(&r, MatrixFormat::Json)).unwrap();
    let refs = v["references"].as_array().unwrap();
    assert_eq!(refs.len(), 3);
    assert_eq!(refs[0]["count"], 6);
    assert_eq!(refs[0]["findings_by_rule"]["R01.secret-reuse"], 3);
    assert_eq!(
        refs[0]["examples"],
        serde_json::json!(["10.30.0.0/16", "a.example", "b.example"])
    );
}

#[test]
fn output_does_not_depend_on_input_order() {
    let a = sample();
    let mut b = sample();
    b.isolation.environments.reverse();
    b.isolation.references.reverse();
    b.isolation.shared_markers.reverse();
    b.environments.reverse();
    for e in &mut b.isolation.environments {
        e.paths.reverse();
        e.hosts.reverse();
    }
    for f in MatrixFormat::ALL {
        assert_eq!(render_matrix(&a, f), render_matrix(&b, f), "{}", f.as_str());
    }
}
