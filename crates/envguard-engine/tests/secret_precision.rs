//! R01 precision on realistic repository layouts (issue 20, real-repository
//! trials): each behaviour has a case that fires and a look-alike that stays
//! quiet or drops to a note.

#![allow(clippy::unwrap_used)]

use envguard_detect::Fingerprinter;
use envguard_engine::{check, CheckOptions};
use envguard_model::{Finding, Inventory, Severity};
use std::path::Path;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Checks a tree made of `files` and returns its R01 findings.
fn r01(files: &[(&str, &str)]) -> Vec<Finding> {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        write(dir.path(), rel, text);
    }
    let inventory = Inventory::default();
    let fp = Fingerprinter::with_key(b"secret-precision");
    let opts = CheckOptions {
        root: dir.path().to_path_buf(),
        root_display: ".".into(),
        inventory: &inventory,
        include_ignored: true,
        // Lockfiles are out of scope by default; these tests judge the
        // detector on their content too.
        include_vendored: true,
        threads: 1,
        waivers: None,
        baseline: None,
        fingerprinter: &fp,
        ci_settings: None,
        progress: None,
        skip_rules: &[],
        isolation: false,
        live_secrets: None,
    };
    let result = check(&opts).unwrap();
    result
        .findings
        .into_iter()
        .filter(|f| f.rule_id.starts_with("R01.") && f.suppression.is_none())
        .collect()
}

/// `(rule, path:line, severity)` of each finding, for readable assertions.
fn summary(findings: &[Finding]) -> Vec<(String, String, Severity)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.rule_id.to_string(),
                format!("{}:{}", f.location.path, f.location.region.start_line),
                f.severity,
            )
        })
        .collect();
    v.sort();
    v
}

fn at(findings: &[Finding], path_line: &str) -> Vec<(String, Severity)> {
    summary(findings)
        .into_iter()
        .filter(|(_, pl, _)| pl == path_line)
        .map(|(r, _, s)| (r, s))
        .collect()
}

const HARDCODED: &str = "R01.hardcoded-secret";
const REUSE: &str = "R01.secret-reuse";

#[test]
fn scanner_baselines_hashes_and_fingerprints_are_not_secrets() {
    let detect_secrets = r#"{
  "version": "1.4.0",
  "plugins_used": [{"name": "KeywordDetector"}],
  "results": {
    "config/settings.py": [
      {
        "type": "Secret Keyword",
        "filename": "config/settings.py",
        "hashed_secret": "e5b5a8a9f2e3c1d7b0a4f6e8d2c9b1a3f5e7d9c1",
        "is_verified": false,
        "line_number": 12
      }
    ]
  },
  "generated_at": "2024-03-01T10:00:00Z"
}
"#;
    // A gitleaks report (or baseline): the secret it reports is still a secret.
    let gitleaks_report = r#"[
 {
  "Description": "Generic API Key",
  "StartLine": 12,
  "EndLine": 12,
  "Secret": "q8Zr2Lk9Vb4Nx7Pw3Ty6Hs1M",
  "File": "config/settings.py",
  "Commit": "cd5226711335c68be1e720b318b7bc3135a30eb2",
  "Entropy": 4.2,
  "RuleID": "generic-api-key",
  "Fingerprint": "cd5226711335c68be1e720b318b7bc3135a30eb2:config/settings.py:generic-api-key:12"
 }
]
"#;
    let gitleaksignore = "# reviewed 2024-03\n\
        cd5226711335c68be1e720b318b7bc3135a30eb2:config/settings.py:generic-api-key:12\n\
        config/settings.py:generic-api-key:14\n\
        deploy/prod.env:aws-access-token:3\n";
    let gitguardian = "version: 2\nsecret:\n  ignored-matches:\n    - name: test token\n      match: 530e5a4a7ea00814db8845dd0cae5efaa4b974a3ce1c76d0384ba715248a5dc1\n";
    let found = r01(&[
        (".secrets.baseline", detect_secrets),
        ("gitleaks-report.json", gitleaks_report),
        (".gitleaksignore", gitleaksignore),
        (".gitguardian.yaml", gitguardian),
    ]);
    assert_eq!(
        summary(&found),
        vec![(
            HARDCODED.into(),
            "gitleaks-report.json:6".into(),
            Severity::Error
        )]
    );
}

#[test]
fn a_hashed_secret_key_is_quiet_but_a_client_secret_beside_it_fires() {
    let json = r#"{
  "oauth": {
    "client_secret": "Vb4Nx7Pw3Ty6Hs1Mq8Zr2Lk9",
    "hashed_secret": "9d4e1e23bd5b727046a9e3b4b7db57bd8d6ee684"
  }
}
"#;
    let found = r01(&[("config/oauth.json", json)]);
    assert_eq!(
        summary(&found),
        vec![(
            HARDCODED.into(),
            "config/oauth.json:3".into(),
            Severity::Error
        )]
    );
}

#[test]
fn other_scanners_ignore_comments_are_honoured() {
    // An ignore comment covers its own line and the next one.
    let py = "import os\n\n\
        SESSION_SECRET = \"Hs1Mq8Zr2Lk9Vb4Nx7Pw3Ty6\"\n\
        API_TOKEN = \"q8Zr2Lk9Vb4Nx7Pw3Ty6Hs1M\"  # trufflehog:ignore\n";
    let found = r01(&[("app/settings.py", py)]);
    assert_eq!(
        summary(&found),
        vec![(
            HARDCODED.into(),
            "app/settings.py:3".into(),
            Severity::Error
        )]
    );
}

#[test]
fn placeholder_syntaxes_are_not_secrets() {
    let env = "\
CF_ADMIN_PASSWORD=((cf-admin-password))
CREDHUB_SECRET=((/concourse/main/db_password))
OCTOPUS_API_KEY=#{Octopus.Action.ApiKey}
REPLACETOKENS_SECRET=#{DbPassword}#
AZURE_DEVOPS_TOKEN=$(System.AccessToken)
WINDOWS_SECRET=%APP_SECRET%
HELM_PASSWORD={{ .Values.db.password }}
SHELL_PASSWORD=${DB_PASSWORD}
DOC_API_KEY=<your-api-key>
MASKED_TOKEN=***
SMTP_PASSWORD=CHANGE_ME_BEFORE_DEPLOY
WEBHOOK_SECRET=REPLACE_ME
SENDGRID_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxx
";
    assert_eq!(summary(&r01(&[("envs/prod/.env", env)])), vec![]);
}

#[test]
fn a_real_secret_holding_template_characters_still_fires() {
    let env = "\
DB_PASSWORD=Kx9$(mQ2!vL8#pZ4wR7
SIGNING_SECRET=Tq7#{Lm2Vb9Zx4
ADMIN_PASSWORD=changeme
";
    let found = r01(&[("envs/prod/.env", env)]);
    assert_eq!(
        summary(&found),
        vec![
            (HARDCODED.into(), "envs/prod/.env:1".into(), Severity::Error),
            (HARDCODED.into(), "envs/prod/.env:2".into(), Severity::Error),
            // A weak default a service runs with in prod.
            (HARDCODED.into(), "envs/prod/.env:3".into(), Severity::Error),
        ]
    );
}

#[test]
fn docs_tests_and_examples_are_notes_unless_an_environment_runs_with_the_value() {
    let readme =
        "# Setup\n\nSet the token in your shell:\n\n    export API_TOKEN=q8Zr2Lk9Vb4Nx7Pw3Ty6\n";
    let fixture = "database:\n  password: Fk29sLq8Zx7Vn3Mp\n";
    let example = "DB_HOST=localhost\nDB_PASSWORD=Wm4Rt8Yp2Kq6Zn9B\n";
    let spec = "describe('client', () => {\n  const apiKey = \"Jd8Kq2Lx7Vn4Rt9Z\";\n});\n";
    let source = "package main\n\nconst signingSecret = \"Pz7Lq2Wx9Vb4Nm8R\"\n";
    let found = r01(&[
        ("docs/setup.md", readme),
        ("tests/fixtures/config.yaml", fixture),
        (".env.example", example),
        ("web/src/client.spec.js", spec),
        ("cmd/api/main.go", source),
    ]);
    assert_eq!(
        summary(&found),
        vec![
            (HARDCODED.into(), ".env.example:2".into(), Severity::Note),
            (
                HARDCODED.into(),
                "cmd/api/main.go:3".into(),
                Severity::Error
            ),
            (HARDCODED.into(), "docs/setup.md:5".into(), Severity::Note),
            (
                HARDCODED.into(),
                "tests/fixtures/config.yaml:2".into(),
                Severity::Note
            ),
            (
                HARDCODED.into(),
                "web/src/client.spec.js:2".into(),
                Severity::Note
            ),
        ]
    );
    // The same token in the prod configuration: the docs page leaks it.
    let found = r01(&[
        ("docs/setup.md", readme),
        ("envs/prod/.env", "API_TOKEN=q8Zr2Lk9Vb4Nx7Pw3Ty6\n"),
    ]);
    assert_eq!(
        at(&found, "docs/setup.md:5"),
        vec![(HARDCODED.into(), Severity::Error)]
    );
    let f = found
        .iter()
        .find(|f| f.location.path == "docs/setup.md")
        .unwrap();
    assert!(
        f.message.contains("prod runs with the same value"),
        "{}",
        f.message
    );
}

#[test]
fn the_same_sample_in_two_environments_examples_is_not_reuse() {
    let example = "DB_PASSWORD=Wm4Rt8Yp2Kq6Zn9B\n";
    let found = r01(&[
        ("envs/dev/.env.example", example),
        ("envs/prod/.env.example", example),
    ]);
    assert!(summary(&found)
        .iter()
        .all(|(r, _, s)| r == HARDCODED && *s == Severity::Note));
    // The same value in the environments' real files is reuse.
    let found = r01(&[("envs/dev/.env", example), ("envs/prod/.env", example)]);
    assert_eq!(
        at(&found, "envs/dev/.env:1"),
        vec![
            (HARDCODED.into(), Severity::Warning),
            (REUSE.into(), Severity::Error),
        ]
    );
}

#[test]
fn commented_out_env_lines_are_notes() {
    let sample = "# Copy to .env and fill in\n# DB_PASSWORD=s3cr3tV4lueQz81\nDB_USER=app\n";
    let env = "#DB_PASSWORD=Lq8Zr2Mx7Vn3Kp9T\nDB_PASSWORD=Vn3Kp9TLq8Zr2Mx7 # rotated 2024-03\n";
    let found = r01(&[("services/api/sample.env", sample), ("envs/prod/.env", env)]);
    assert_eq!(
        summary(&found),
        vec![
            (HARDCODED.into(), "envs/prod/.env:1".into(), Severity::Note),
            (HARDCODED.into(), "envs/prod/.env:2".into(), Severity::Error),
            (
                HARDCODED.into(),
                "services/api/sample.env:2".into(),
                Severity::Note
            ),
        ]
    );
}

#[test]
fn public_identifiers_are_not_secrets() {
    let env = "\
GTM_AUTH=Xy1AbCdEf2GhIjKlMnOpQr
GTM_PREVIEW=env-5
GA_MEASUREMENT_ID=G-7XK2M9QPLR
ANALYTICS_KEY=UA-12345678-1
STRIPE_PUBLISHABLE_KEY=pk_live_51H8xYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGh
STRIPE_KEY=pk_live_51H8xYzAbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGh
ALGOLIA_SEARCH_API_KEY=7f3a9c2e1b4d6f8a0c2e4b6d8f0a2c4e
RECAPTCHA_SITE_KEY=6LcR8xkUAAAAAJq3vXbN9mKp2Lw4Yz7TqRs1uVwX
MAPBOX_ACCESS_TOKEN=pk.eyJ1IjoiYWNtZWhlYWx0aCIsImEiOiJjbGs4eDl5ejAwMDFhM2RvN2Q5cXJ0dWZ6In0.Qm3x7Yk2LpZ9wVb4NcRt8A
SENTRY_DSN=https://4f2a9c1e7b3d4e5f8a6b2c9d1e0f3a7b@o450123.ingest.sentry.io/5523456
";
    let firebase = "import { initializeApp } from 'firebase/app';\n\n\
        const firebaseConfig = {\n\
        \x20 apiKey: \"AIzaSyD8xK2mQ9pL7vR4nT6wY1zB3cF5hJ0kM2s\",\n\
        \x20 authDomain: \"acme-web.firebaseapp.com\",\n\
        \x20 projectId: \"acme-web\",\n\
        \x20 messagingSenderId: \"123456789012\",\n\
        };\n";
    let google_services = r#"{
  "project_info": { "project_number": "123456789012", "project_id": "acme-app" },
  "client": [
    {
      "client_info": { "mobilesdk_app_id": "1:123456789012:android:abc123def456" },
      "api_key": [ { "current_key": "AIzaSyD8xK2mQ9pL7vR4nT6wY1zB3cF5hJ0kM2s" } ]
    }
  ]
}
"#;
    let found = r01(&[
        ("envs/prod/.env", env),
        ("web/src/firebase.js", firebase),
        ("android/app/google-services.json", google_services),
    ]);
    assert_eq!(summary(&found), vec![]);
}

#[test]
fn secret_look_alikes_of_public_identifiers_fire() {
    let env = "\
ALGOLIA_ADMIN_API_KEY=7f3a9c2e1b4d6f8a0c2e4b6d8f0a2c4e
RECAPTCHA_SECRET_KEY=6LcR8xkUAAAAAJq3vXbN9mKp2Lw4Yz7TqRs1uVwX
MAPBOX_SECRET_TOKEN=sk.eyJ1IjoiYWNtZWhlYWx0aCIsImEiOiJjbGs4eDl5ejAwMDFhM2RvN2Q5cXJ0dWZ6In0.Qm3x7Yk2LpZ9wVb4NcRt8A
SENTRY_AUTH_TOKEN=sntrys_9f2a4c1e7b3d4e5f8a6b2c9d1e0f3a7b
";
    // A server-side Google key with no Firebase config around it.
    let maps =
        "const geocoder = new Client({ key: \"AIzaSyD8xK2mQ9pL7vR4nT6wY1zB3cF5hJ0kM2s\" });\n";
    let found = r01(&[("envs/prod/.env", env), ("services/geo/geocode.js", maps)]);
    assert_eq!(
        summary(&found),
        vec![
            (HARDCODED.into(), "envs/prod/.env:1".into(), Severity::Error),
            (HARDCODED.into(), "envs/prod/.env:2".into(), Severity::Error),
            (HARDCODED.into(), "envs/prod/.env:3".into(), Severity::Error),
            (HARDCODED.into(), "envs/prod/.env:4".into(), Severity::Error),
            (
                HARDCODED.into(),
                "services/geo/geocode.js:1".into(),
                Severity::Error
            ),
        ]
    );
}

#[test]
fn local_stacks_are_notes_unless_a_non_dev_environment_runs_with_the_value() {
    let compose = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: Lq8Zr2Mx7Vn3Kp9T\n";
    let devcontainer = "{\n  \"name\": \"acme\",\n  \"containerEnv\": { \"REDIS_PASSWORD\": \"Hw7Jq2Lx9Rt4Vn8Z\" }\n}\n";
    let found = r01(&[
        ("docker-compose.yml", compose),
        (".devcontainer/devcontainer.json", devcontainer),
        // The dev environment uses the same password: still local only.
        ("envs/dev/.env", "REDIS_PASSWORD=Hw7Jq2Lx9Rt4Vn8Z\n"),
    ]);
    assert_eq!(
        at(&found, "docker-compose.yml:5"),
        vec![(HARDCODED.into(), Severity::Note)]
    );
    assert_eq!(
        at(&found, ".devcontainer/devcontainer.json:3"),
        vec![(HARDCODED.into(), Severity::Note)]
    );
    // Prod runs with the compose file's password: an error, and reuse with
    // staging fires as before.
    let found = r01(&[
        ("docker-compose.yml", compose),
        ("envs/prod/.env", "POSTGRES_PASSWORD=Lq8Zr2Mx7Vn3Kp9T\n"),
        ("envs/staging/.env", "POSTGRES_PASSWORD=Lq8Zr2Mx7Vn3Kp9T\n"),
    ]);
    assert_eq!(
        at(&found, "docker-compose.yml:5"),
        vec![(HARDCODED.into(), Severity::Error)]
    );
    assert_eq!(
        at(&found, "envs/staging/.env:1"),
        vec![
            (HARDCODED.into(), Severity::Error),
            (REUSE.into(), Severity::Error)
        ]
    );
    // A compose file that is a prod environment's deployment.
    let found = r01(&[("envs/prod/docker-compose.yml", compose)]);
    assert_eq!(
        at(&found, "envs/prod/docker-compose.yml:5"),
        vec![(HARDCODED.into(), Severity::Error)]
    );
}

#[test]
fn lockfile_integrity_and_resolved_urls_are_not_secrets() {
    let package_lock = r#"{
  "name": "web",
  "lockfileVersion": 3,
  "packages": {
    "node_modules/secret-handshake": {
      "version": "1.1.21",
      "resolved": "https://registry.npmjs.org/secret-handshake/-/secret-handshake-1.1.21.tgz",
      "integrity": "sha512-mk3bkFa5hB3fVQ0e0kmDRXGfPYnSbGTqGzOBmFiH4F0LdKDZV8J6l5MmC0m4j8y3mZn0mNq1EKb7hI6Ff6N8gA=="
    },
    "node_modules/token-types": {
      "version": "5.0.1",
      "resolved": "https://registry.npmjs.org/token-types/-/token-types-5.0.1.tgz",
      "integrity": "sha1-Zt4q9LmW2xpR7vKd81AbCdEfGhI="
    }
  }
}
"#;
    let yarn_lock = "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\
        secret-handshake@^1.1.21:\n\
        \x20 version \"1.1.21\"\n\
        \x20 resolved \"https://registry.yarnpkg.com/secret-handshake/-/secret-handshake-1.1.21.tgz#3a9c2e1b4d6f8a0c2e4b6d8f0a2c4e7f3a9c2e1b\"\n\
        \x20 integrity sha512-mk3bkFa5hB3fVQ0e0kmDRXGfPYnSbGTqGzOBmFiH4F0LdKDZV8J6l5MmC0m4j8y3mZn0mNq1EKb7hI6Ff6N8gA==\n";
    let pnpm_lock = "lockfileVersion: '6.0'\n\npackages:\n\n  /token-types@5.0.1:\n    resolution: {integrity: sha512-Y2fmSnZjQdDb9W4w4r1tswlMHylzWIeOKpx0aZH9BgGtACHhrk3OkT52AzwcuqTRBZtvvnTjDI6HRdOu35nMYkA==}\n    engines: {node: '>=14.16'}\n";
    let cargo_lock = "[[package]]\nname = \"secrecy\"\nversion = \"0.8.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"9bd1c54ea06cfd2f6b63219704de0b9b4f72dcc2b8fdef820be6cd799780e91e\"\n";
    let found = r01(&[
        ("web/package-lock.json", package_lock),
        ("web/yarn.lock", yarn_lock),
        ("web/pnpm-lock.yaml", pnpm_lock),
        ("Cargo.lock", cargo_lock),
    ]);
    assert_eq!(summary(&found), vec![]);
    // A registry token in `.npmrc` beside them is a secret.
    let npmrc = "//registry.npmjs.org/:_authToken=npm_QhAw3Q8WB36Ud9sMtwgKGnjQEo2gw2JxhWrK\n";
    let found = r01(&[
        ("web/package-lock.json", package_lock),
        ("web/.npmrc", npmrc),
    ]);
    assert_eq!(
        summary(&found),
        vec![(HARDCODED.into(), "web/.npmrc:1".into(), Severity::Error)]
    );
}

#[test]
fn the_test_environments_configuration_is_not_a_test_file() {
    let env = "DB_PASSWORD=Wm4Rt8Yp2Kq6Zn9B\n";
    let found = r01(&[
        ("envs/test/.env", env),
        ("services/api/tests/.env", "DB_PASSWORD=Kq6Zn9BWm4Rt8Yp2\n"),
    ]);
    assert_eq!(
        summary(&found),
        vec![
            (HARDCODED.into(), "envs/test/.env:1".into(), Severity::Error),
            (
                HARDCODED.into(),
                "services/api/tests/.env:1".into(),
                Severity::Note
            ),
        ]
    );
}

/// One Helm `values.yaml` shared by every environment, with a map per
/// environment (issue 20: a `staging:` map restoring production's database
/// dump with production's password): the maps are their environments.
#[test]
fn per_environment_maps_of_a_shared_values_file_are_their_environments() {
    let values = |staging_pw: &str| {
        format!(
            "image:\n  repository: registry.acme.io/records\n\
             staging:\n  database:\n    host: db.staging.acme.internal\n    password: {staging_pw}\n\
             production:\n  database:\n    host: db.prod.acme.internal\n    password: Vq7ZtK2mW9xLpR4nJ8sD\n"
        )
    };
    let shared = values("Vq7ZtK2mW9xLpR4nJ8sD");
    let found = r01(&[("charts/records/values.yaml", shared.as_str())]);
    let reuse: Vec<_> = found.iter().filter(|f| f.rule_id == REUSE).collect();
    assert_eq!(reuse.len(), 1, "{:#?}", summary(&found));
    assert_eq!(reuse[0].environments, vec!["staging", "prod"]);
    assert_eq!(reuse[0].location.region.start_line, 6);

    // Each environment its own password: no reuse.
    let distinct = values("Hc3NwY8rQ5tB1mX6kP0e");
    let found = r01(&[("charts/records/values.yaml", distinct.as_str())]);
    assert!(
        found.iter().all(|f| f.rule_id != REUSE),
        "{:#?}",
        summary(&found)
    );
}

/// Found on a real Helm chart repository (trials): a value defined once under a
/// YAML anchor and reused through aliases by several apps was reported once
/// per alias, all at the anchor. One secret at one place is one finding; the
/// same literal written out again on another line is still a finding there.
#[test]
fn an_anchored_secret_read_through_aliases_is_one_finding() {
    let anchored = "apps:\n  orders:\n    env:\n      - name: ORDERS_API_TOKEN\n        value: &orders-token q8Zt4LmW2xpR7vKd81AbXy\n  billing:\n    env:\n      - name: ORDERS_API_TOKEN\n        value: *orders-token\n  reports:\n    env:\n      - name: ORDERS_API_TOKEN\n        value: *orders-token\n";
    let f = r01(&[("charts/app-config/values-staging.yaml", anchored)]);
    assert_eq!(
        summary(&f),
        vec![(
            HARDCODED.to_string(),
            "charts/app-config/values-staging.yaml:5".to_string(),
            Severity::Error
        )],
        "{f:#?}"
    );
    let written_out = anchored
        .replace("&orders-token ", "")
        .replace("*orders-token", "q8Zt4LmW2xpR7vKd81AbXy");
    let f = r01(&[("charts/app-config/values-staging.yaml", &written_out)]);
    let lines: Vec<_> = summary(&f).into_iter().map(|(_, pl, _)| pl).collect();
    assert_eq!(
        lines,
        vec![
            "charts/app-config/values-staging.yaml:13",
            "charts/app-config/values-staging.yaml:5",
            "charts/app-config/values-staging.yaml:9",
        ],
        "{f:#?}"
    );
}
