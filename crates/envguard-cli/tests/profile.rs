//! The production profile end to end: Terraform plan JSON read through the
//! same controls as `.tf` files, a plan of another format version named in
//! the report, and `[tiers.<tier>.profile]` validated like the rest of
//! `envguard.toml`.

#![allow(clippy::unwrap_used)]

mod common;

use common::{envguard, write};
use serde_json::Value;

/// `terraform show -json` of a prod stack whose database lacks deletion
/// protection and keeps a week of backups; its KMS key is known after apply.
const PLAN: &str = r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.5",
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_db_instance.records",
          "mode": "managed",
          "type": "aws_db_instance",
          "name": "records",
          "provider_name": "registry.terraform.io/hashicorp/aws",
          "values": {
            "identifier": "records-prod",
            "engine": "postgres",
            "storage_encrypted": true,
            "backup_retention_period": 7,
            "deletion_protection": false,
            "multi_az": true,
            "kms_key_id": null
          }
        }
      ]
    }
  },
  "resource_changes": [
    {
      "address": "aws_db_instance.records",
      "mode": "managed",
      "type": "aws_db_instance",
      "name": "records",
      "change": { "actions": ["create"], "after_unknown": { "kms_key_id": true } }
    }
  ],
  "configuration": {
    "root_module": {
      "resources": [
        {
          "address": "aws_db_instance.records",
          "expressions": { "kms_key_id": { "references": ["aws_kms_key.data.arn", "aws_kms_key.data"] } }
        }
      ]
    }
  }
}
"#;

fn prd(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"].as_str().unwrap().starts_with("PRD."))
        .map(|f| {
            format!(
                "{} {}:{} {}",
                f["rule_id"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap(),
                f["location"]["region"]["start_line"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_prod_plan_is_held_to_the_profile_and_a_dev_plan_is_not() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "plans/prod/plan.json", PLAN);
    write(
        dir.path(),
        "plans/dev/plan.json",
        PLAN.replace("records-prod", "records-dev"),
    );
    let out = envguard(
        &["check", ".", "--format", "json", "--no-progress"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        prd(&report),
        [
            "PRD.backup plans/prod/plan.json:8 aws_db_instance.records in prod has no deletion protection",
            "PRD.backup plans/prod/plan.json:8 aws_db_instance.records in prod keeps backups for 7 days; the prod profile asks for at least 30",
        ]
    );
}

#[test]
fn a_plan_of_another_format_version_is_named_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "plans/prod/plan.json",
        PLAN.replace("\"1.2\"", "\"2.0\""),
    );
    let out = envguard(
        &["check", ".", "--format", "json", "--no-progress"],
        dir.path(),
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().any(|d| d["path"] == "plans/prod/plan.json"
            && d["message"]
                .as_str()
                .unwrap()
                .contains("format_version 2.0 is not supported")),
        "{diags:?}"
    );
    assert!(prd(&report).is_empty());
}

#[test]
fn a_profile_typo_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "envguard.toml",
        "[tiers.prod.profile]\npitr = true\nkey_rotaton = true\n",
    );
    let out = envguard(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim_end(),
        "envguard: error: ./envguard.toml:3:1: unknown key `key_rotaton` in [tiers.prod.profile]; did you mean `key_rotation`?"
    );
}
