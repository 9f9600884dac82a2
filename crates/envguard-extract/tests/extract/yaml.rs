use super::*;
use envguard_model::Format::Yaml;

const SECRET_AND_DEPLOYMENT: &str = "\
apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: payments-prod
type: Opaque
data:
  DB_PASSWORD: aHVudGVyMg==
  BINARY: //4=
  BLOCK: |
    aHVudG
    VyMg==
stringData:
  API_KEY: \"sk_live_123\"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: \"example/api:1.2\"
          env:
            - name: DB_USER
              value: admin
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: db-credentials, key: DB_PASSWORD}
            - name: PORT
              value: '8080'
";

#[test]
fn kubernetes_secret_data_is_base64_decoded() {
    let out = run(Yaml, SECRET_AND_DEPLOYMENT);
    assert_eq!(out.errors, vec![]);
    let pw = fact(&out, "data.DB_PASSWORD");
    assert_eq!(
        (pw.value.as_str(), pw.origin),
        ("hunter2", ValueOrigin::Base64)
    );
    assert_eq!(pw.region, r(8, 16, 8, 28));
    assert_eq!(covered(SECRET_AND_DEPLOYMENT, pw.region), "aHVudGVyMg==");
    // Not UTF-8 once decoded: kept as written.
    let bin = fact(&out, "data.BINARY");
    assert_eq!(
        (bin.value.as_str(), bin.origin),
        ("//4=", ValueOrigin::Plain)
    );
    // A block scalar: multi-line region, whitespace ignored when decoding.
    let block = fact(&out, "data.BLOCK");
    assert_eq!(
        (block.value.as_str(), block.origin),
        ("hunter2", ValueOrigin::Base64)
    );
    assert_eq!(block.region, r(11, 5, 12, 11));
    let api = fact(&out, "stringData.API_KEY");
    assert_eq!(
        (api.value.as_str(), api.origin),
        ("sk_live_123", ValueOrigin::Plain)
    );
    assert_eq!(api.region, r(14, 13, 14, 24));
    assert_eq!(
        hints(&out),
        vec![("payments-prod", "metadata.namespace", r(5, 14, 5, 27))]
    );
}

#[test]
fn container_env_lists_fold_names_into_keys() {
    let out = run(Yaml, SECRET_AND_DEPLOYMENT);
    let user = fact(&out, "spec.template.spec.containers.0.env.DB_USER");
    assert_eq!(
        (user.name(), user.value.as_str(), user.region),
        ("DB_USER", "admin", r(28, 22, 28, 27))
    );
    let port = fact(&out, "spec.template.spec.containers.0.env.PORT");
    assert_eq!(
        (port.value.as_str(), port.region),
        ("8080", r(33, 23, 33, 27))
    );
    fact(
        &out,
        "spec.template.spec.containers.0.env.DB_PASSWORD.valueFrom.secretKeyRef.key",
    );
    // Containers are not folded (no `value`): they keep their index.
    fact(&out, "spec.template.spec.containers.0.image");
    assert!(!out.facts.iter().any(|f| f.key.ends_with("env.0.name")));
    // Key paths restart at each document.
    assert_eq!(out.facts.iter().filter(|f| f.key == "kind").count(), 2);
}

const COMPOSE: &str = "\
x-common: &common
  LOG_LEVEL: info
  SHARED_SECRET: abc
services:
  web:
    image: web
    environment:
      - DB_PASSWORD=hunter2
      - \"QUOTED=va lue\"
      - FROM_HOST
      - 'ESC=it''s'
  worker:
    environment:
      <<: *common
      SHARED_SECRET: override
      MULTI: >
        folded
        text

      TAIL: x
";

#[test]
fn compose_environment_lists_maps_and_merge_keys() {
    let out = run(Yaml, COMPOSE);
    assert_eq!(out.errors, vec![]);
    let got: Vec<(&str, &str, Region)> = kv(&out)
        .into_iter()
        .filter(|(k, _, _)| k.starts_with("services."))
        .collect();
    assert_eq!(
        got,
        vec![
            ("services.web.image", "web", r(6, 12, 6, 15)),
            (
                "services.web.environment.DB_PASSWORD",
                "hunter2",
                r(8, 21, 8, 28)
            ),
            ("services.web.environment.QUOTED", "va lue", r(9, 17, 9, 23)),
            // `''` inside: the region falls back to the whole scalar.
            ("services.web.environment.ESC", "it's", r(11, 10, 11, 19)),
            // Merged from the anchor (region where it is written), minus the override.
            (
                "services.worker.environment.LOG_LEVEL",
                "info",
                r(2, 14, 2, 18)
            ),
            (
                "services.worker.environment.SHARED_SECRET",
                "override",
                r(15, 22, 15, 30)
            ),
            (
                "services.worker.environment.MULTI",
                "folded text\n",
                r(17, 9, 18, 13)
            ),
            ("services.worker.environment.TAIL", "x", r(20, 13, 20, 14)),
        ]
    );
    assert_eq!(
        covered(
            COMPOSE,
            fact(&out, "services.web.environment.DB_PASSWORD").region
        ),
        "hunter2"
    );
}

#[test]
fn workflow_environment_hints_and_scalar_kinds() {
    let text = "\
on: push
jobs:
  deploy:
    environment: production
  other:
    environment:
      name: staging
      url: https://example.com
    steps:
      - run: echo ${{ secrets.X }}
        env:
          TOKEN: !Ref Something
          N: 42
          B: true
          Z: ~
          E:
          Q: ''
";
    let out = run(Yaml, text);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        hints(&out),
        vec![
            ("production", "jobs.deploy.environment", r(4, 18, 4, 28)),
            ("staging", "jobs.other.environment", r(7, 13, 7, 20)),
        ]
    );
    let env: Vec<(&str, &str)> = out
        .facts
        .iter()
        .filter(|f| f.key.contains(".env."))
        .map(|f| (f.name(), f.value.as_str()))
        .collect();
    // Tagged (`!Ref`) and null scalars are not facts; numbers and booleans are, as written.
    assert_eq!(env, vec![("N", "42"), ("B", "true"), ("Q", "")]);
}

#[test]
fn kustomization_namespace_is_a_hint() {
    let out = run(
        Yaml,
        "kind: Kustomization\nnamespace: staging\nresources: [a.yaml]\n",
    );
    assert_eq!(hints(&out), vec![("staging", "namespace", r(2, 12, 2, 19))]);
    assert_eq!(fact(&out, "resources.0").value, "a.yaml");
}

#[test]
fn broken_yaml_reports_the_line_and_keeps_earlier_facts() {
    let text = "a: 1\nb: \"unterminated\nc: 3\n";
    let out = run(Yaml, text);
    assert_eq!(out.errors.len(), 1, "{:#?}", out.errors);
    let line = out.errors[0].region.start_line;
    assert!((2..=4).contains(&line), "{:#?}", out.errors);
    assert_eq!(kv(&out), vec![("a", "1", r(1, 4, 1, 5))]);

    let out = run(Yaml, "a: 1\nb: [1, 2\nc: {\n");
    assert_eq!(out.errors.len(), 1);
    let out = run(Yaml, "key: value\n  bad indent: x\n");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].region.start_line, 2, "{:#?}", out.errors);
}

#[test]
fn aliases_to_scalars_and_keys() {
    let text = "pw: &pw s3cret\ncopy: *pw\n&k key: v\nother:\n  *k : w\nq: &q !!str \"x\"\nb: &b |\n  block\n";
    let out = run(Yaml, text);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            ("pw", "s3cret", r(1, 9, 1, 15)),
            ("copy", "s3cret", r(1, 9, 1, 15)),
            ("key", "v", r(3, 9, 3, 10)),
            ("other.key", "w", r(5, 8, 5, 9)),
            ("q", "x", r(6, 14, 6, 15)),
            ("b", "block\n", r(8, 3, 8, 8)),
        ]
    );
}

/// A Prometheus rule unit test names environments as test data: no hints.
#[test]
fn prometheus_rule_tests_give_no_hints() {
    let text = "rule_files:\n  - alerts.yaml\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n      - series: 'up{job=\"api\", env=\"prod\"}'\n        values: '0x10'\n    alert_rule_test:\n      - alertname: Down\n        exp_alerts:\n          - exp_labels:\n              env: prod\n              namespace: production\n";
    let out = run(Yaml, text);
    assert_eq!(out.errors, vec![]);
    assert_eq!(hints(&out), vec![]);
    assert_eq!(
        fact(
            &out,
            "tests.0.alert_rule_test.0.exp_alerts.0.exp_labels.env"
        )
        .value,
        "prod"
    );
    // The same keys in a document that is not a rule test are hints.
    let out = run(Yaml, "tests:\n  - name: a\nenv: prod\n");
    assert_eq!(hints(&out), vec![("prod", "env", r(3, 6, 3, 10))]);
    // Only the rule test's own document loses its hints.
    let out = run(
        Yaml,
        "rule_files: [a.yaml]\ntests: []\nenv: prod\n---\nenv: staging\n",
    );
    let names: Vec<&str> = hints(&out).iter().map(|h| h.0).collect();
    assert_eq!(names, vec!["staging"]);
}

#[test]
fn a_comment_glued_to_a_quoted_value_is_read_past() {
    // YAML 1.2 wants a space before `#`; PyYAML and Go's yaml do not, and
    // real files (`.checkov.yaml`) rely on it.
    let text = "a:\n  b: \"x\"# note é\n  c: 2\nd: 'y'#n\n";
    let out = run(Yaml, text);
    assert_eq!(out.errors, vec![], "{:?}", out.errors);
    // The same as the text with the comments blanked out by hand, positions included.
    let blanked = "a:\n  b: \"x\"         \n  c: 2\nd: 'y'  \n";
    let control = run(Yaml, blanked);
    assert_eq!(kv(&out), kv(&control));
    assert_eq!(
        kv(&out)
            .iter()
            .map(|(k, v, _)| (*k, *v))
            .collect::<Vec<_>>(),
        vec![("a.b", "x"), ("a.c", "2"), ("d", "y")]
    );
    // Another error in the file is still reported.
    let broken = "a:\n  b: \"x\"# note\n  c: [1, 2\n";
    let out = run(Yaml, broken);
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert!(!out.errors[0].message.contains("comments must be separated"));
}

/// A `promtool test rules` file as found in real repositories: quoted and
/// flow values continued on lines indented no deeper than their key. YAML 1.2
/// refuses them; libyaml, Go's yaml (promtool itself) and PyYAML read them.
#[test]
fn quoted_scalars_continued_at_the_key_indentation_are_read() {
    let text = "\
rule_files:
  - ../rules/alerts.yml
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'http_requests_total{job=\"api\", env=\"prod\"}'
        values: '0+10x10
        100+0x5'
    alert_rule_test:
      - eval_time: 15m
        alertname: HighErrorRate
        exp_alerts:
          - exp_annotations:
              summary: \"Error rate above 5%
              for 10 minutes\"
              hosts: [web-1,
              web-2]
top: 'first line
second line'
";
    let out = run(Yaml, text);
    assert_eq!(out.errors, vec![], "{:?}", out.errors);
    let values = fact(&out, "tests.0.input_series.0.values");
    assert_eq!(values.value, "0+10x10 100+0x5");
    assert_eq!(values.region, r(8, 18, 9, 16));
    assert_eq!(covered(text, values.region), "0+10x10\n        100+0x5");
    let summary = fact(
        &out,
        "tests.0.alert_rule_test.0.exp_alerts.0.exp_annotations.summary",
    );
    assert_eq!(summary.value, "Error rate above 5% for 10 minutes");
    assert_eq!(
        covered(text, summary.region),
        "Error rate above 5%\n              for 10 minutes"
    );
    let hosts = fact(
        &out,
        "tests.0.alert_rule_test.0.exp_alerts.0.exp_annotations.hosts.1",
    );
    assert_eq!(
        (hosts.value.as_str(), hosts.region),
        ("web-2", r(18, 15, 18, 20))
    );
    let top = fact(&out, "top");
    assert_eq!(
        (top.value.as_str(), top.region),
        ("first line second line", r(19, 7, 20, 12))
    );
}

/// Look-alikes that stay errors: an unclosed quote, and a plain scalar
/// continued at its key's indentation (no reader takes it as a value).
#[test]
fn broken_quotes_and_plain_continuations_are_still_errors() {
    let out = run(Yaml, "a:\n  b: 'x\n  y\nc: 1\n");
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    let out = run(Yaml, "a:\n  b: x\n  y\n");
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(kv(&out), vec![("a.b", "x", r(2, 6, 2, 7))]);
}

/// A Helm values.yaml holding one map per environment: the facts under
/// `production:` and `staging:` are scoped to them, the shared ones are not.
#[test]
fn per_environment_maps_of_a_shared_values_file() {
    let text = "\
replicaCount: 2
image:
  repository: registry.example.com/payments
  tag: 1.4.2
environments:
  production:
    database:
      host: db.prod.internal
      password: Vq8nR2xLm5tK9pZ
  staging:
    database:
      host: db.staging.internal
      password: Hs3kW9qPz2LmX7v
production:
  ingress:
    host: pay.example.com
testing:
  enabled: true
";
    let out = run(Yaml, text);
    assert_eq!(out.errors, vec![]);
    let names_env = |s: &str| matches!(s, "production" | "staging");
    let scoped: Vec<(&str, Option<&str>)> = out
        .facts
        .iter()
        .map(|f| {
            (
                f.key.as_str(),
                envguard_extract::env_scope(&f.key, names_env),
            )
        })
        .collect();
    assert_eq!(
        scoped,
        vec![
            ("replicaCount", None),
            ("image.repository", None),
            ("image.tag", None),
            ("environments.production.database.host", Some("production")),
            (
                "environments.production.database.password",
                Some("production")
            ),
            ("environments.staging.database.host", Some("staging")),
            ("environments.staging.database.password", Some("staging")),
            ("production.ingress.host", Some("production")),
            ("testing.enabled", None),
        ]
    );
    // A key that only ends in an environment's name is a value, not a map of one.
    assert_eq!(
        envguard_extract::env_scope("global.production", names_env),
        None
    );
    assert_eq!(envguard_extract::env_scope("production", names_env), None);
    assert_eq!(
        envguard_extract::env_scope("a.b.production.c", names_env),
        None
    );
}
