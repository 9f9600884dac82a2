use super::*;
use envguard_model::Format::Json;

const TASK: &str = r#"{
  "family": "api",
  // comments are accepted
  "containerDefinitions": [
    {
      "name": "api",
      "environment": [
        {"name": "DB_PASSWORD", "value": "hunter2"},
        {"name": "STAGE", "value": "prod"}
      ],
      "cpu": 256,
      "essential": true,
      "esc": "a\"b\u0041",
      "nothing": null,
    }
  ]
}
"#;

#[test]
fn ecs_task_definition() {
    let out = run(Json, TASK);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            ("family", "api", r(2, 14, 2, 17)),
            ("containerDefinitions.0.name", "api", r(6, 16, 6, 19)),
            (
                "containerDefinitions.0.environment.DB_PASSWORD",
                "hunter2",
                r(8, 43, 8, 50)
            ),
            (
                "containerDefinitions.0.environment.STAGE",
                "prod",
                r(9, 37, 9, 41)
            ),
            ("containerDefinitions.0.cpu", "256", r(11, 14, 11, 17)),
            (
                "containerDefinitions.0.essential",
                "true",
                r(12, 20, 12, 24)
            ),
            ("containerDefinitions.0.esc", "a\"bA", r(13, 15, 13, 25)),
        ]
    );
    assert_eq!(
        hints(&out),
        vec![(
            "prod",
            "containerDefinitions.0.environment.STAGE",
            r(9, 37, 9, 41)
        )]
    );
}

#[test]
fn kubernetes_secret_in_json_and_long_lines() {
    let text =
        r#"{"kind":"Secret","metadata":{"namespace":"prod"},"data":{"K":"aHVudGVyMg=="},"é":"ü"}"#;
    let out = run(Json, text);
    let k = fact(&out, "data.K");
    assert_eq!(
        (k.value.as_str(), k.origin, k.region),
        ("hunter2", ValueOrigin::Base64, r(1, 63, 1, 75))
    );
    assert_eq!(covered(text, k.region), "aHVudGVyMg==");
    // Columns count code points.
    assert_eq!(fact(&out, "é").region, r(1, 83, 1, 84));
    assert_eq!(
        hints(&out),
        vec![("prod", "metadata.namespace", r(1, 43, 1, 47))]
    );
}

#[test]
fn broken_json_reports_the_error_position() {
    let out = run(Json, "{\n  \"a\": 1,\n  \"b\": 'x'\n}\n");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].region, r(3, 8, 3, 9));
    assert!(out.facts.is_empty());
    let out = run(Json, "{\"a\": 1}\n{\"b\": 2}");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].region.start_line, 2);
    let out = run(Json, "{\"a\": [1, 2}");
    assert_eq!(out.errors.len(), 1);
}

#[test]
fn a_bare_scalar_document_has_no_facts() {
    for text in ["\"just a string\"", "42", "null", "[]"] {
        let out = run(Json, text);
        assert_eq!((out.facts.len(), out.errors.len()), (0, 0), "{text}");
    }
    assert_eq!(kv(&run(Json, "[\"a\"]")), vec![("0", "a", r(1, 3, 1, 4))]);
}

#[test]
fn dotted_keys_keep_their_own_name() {
    let out = run(
        Json,
        "{\"settings\": {\"aws.secret.access.key\": \"x\", \"db\": {\"password\": \"y\"}}}",
    );
    let names: Vec<&str> = out.facts.iter().map(|f| f.name()).collect();
    assert_eq!(names, vec!["aws.secret.access.key", "password"]);
    assert_eq!(out.facts[0].key, "settings.aws.secret.access.key");
}
