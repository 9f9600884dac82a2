//! Whole-file extractions of realistic files, as JSON snapshots (committed
//! under `tests/extract/snapshots/`; the tests pass without `cargo insta`).
use envguard_model::Format;

fn snapshot(name: &str, format: Format) -> envguard_model::Extraction {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(envguard_extract::detect_format(name), Some(format));
    envguard_extract::extract(format, &bytes)
}

#[test]
fn github_workflow() {
    insta::assert_json_snapshot!(snapshot("deploy.yml", Format::Yaml));
}

#[test]
fn dotenv_production() {
    insta::assert_json_snapshot!(snapshot(".env.production", Format::Dotenv));
}

#[test]
fn spring_properties() {
    insta::assert_json_snapshot!(snapshot("application-prod.properties", Format::Properties));
}

#[test]
fn helm_values() {
    insta::assert_json_snapshot!(snapshot("values-staging.yaml", Format::Yaml));
}
