//! Terraform plan JSON (`terraform show -json PLANFILE`): the same resource
//! controls as the HCL reading ([`crate::controls`]), from fully resolved
//! values.
//!
//! Each resource of `planned_values` (root and child modules) is turned into
//! the body its HCL would have (nested blocks are arrays of objects in the
//! plan) and read by the same code as a `.tf` file, so the `PRD.*` and
//! `RES.region` rules judge the three inputs alike. A value the plan only
//! knows after apply (`after_unknown`) is the reference the configuration
//! gives for it (`aws_kms_key.data.arn`), else "known after apply": never a
//! control counted as met. Only `format_version` 1.x is read; another major
//! version is an error naming the version.

use crate::controls::{CloudRegion, InfraResource};
use crate::eval::{Evaluator, Scope, Workspace};
use crate::hcl::{Attr, Block, Expr, HclBody, ObjectItem, Step};
use envguard_model::{LineIndex, Region};
use serde_json::{Map, Value};

/// Why a plan JSON could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("Terraform plan JSON format_version {0} is not supported (envguard reads 1.x: `terraform show -json` of Terraform 0.12 and later)")]
    Version(String),
    #[error("Terraform plan JSON: {0}")]
    Shape(String),
}

/// What a plan says, for the file's infra facts.
#[derive(Debug, Default)]
pub struct PlanFacts {
    pub resources: Vec<InfraResource>,
    pub cloud_regions: Vec<CloudRegion>,
}

/// True when a JSON file looks like a plan (checked before parsing it).
pub fn looks_like_plan(bytes: &[u8]) -> bool {
    let has = |n: &[u8]| bytes.windows(n.len()).any(|w| w == n);
    has(b"\"format_version\"") && (has(b"\"planned_values\"") || has(b"\"resource_changes\""))
}

/// Reads a plan; `Ok(None)` when the JSON is no plan.
pub fn read(bytes: &[u8]) -> Result<Option<PlanFacts>, PlanError> {
    let Ok(doc) = serde_json::from_slice::<Value>(bytes) else {
        // Not JSON: the extractor reports the parse error.
        return Ok(None);
    };
    let Some(top) = doc.as_object() else {
        return Ok(None);
    };
    let Some(version) = top.get("format_version") else {
        return Ok(None);
    };
    if !top.contains_key("planned_values") && !top.contains_key("resource_changes") {
        return Ok(None);
    }
    let version = version
        .as_str()
        .ok_or_else(|| PlanError::Shape("format_version is not a string".to_owned()))?;
    if version.split('.').next() != Some("1") {
        return Err(PlanError::Version(version.to_owned()));
    }
    let lines = LineIndex::new(bytes);
    let text = String::from_utf8_lossy(bytes);
    let mut unknown: Map<String, Value> = Map::new();
    for rc in top
        .get("resource_changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(addr), Some(au)) = (
            rc.get("address").and_then(Value::as_str),
            rc.pointer("/change/after_unknown"),
        ) {
            unknown.insert(addr.to_owned(), au.clone());
        }
    }
    let mut config: Map<String, Value> = Map::new();
    if let Some(root) = doc.pointer("/configuration/root_module") {
        collect_config(root, "", &mut config);
    }
    let ws = Workspace::new(Vec::new());
    let mut ev = Evaluator::new(&ws);
    let mut out = PlanFacts::default();
    if let Some(root) = doc.pointer("/planned_values/root_module") {
        let mut modules = vec![root];
        while let Some(m) = modules.pop() {
            for r in m
                .get("resources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                read_resource(r, &unknown, &config, &lines, &text, &mut ev, &mut out);
            }
            modules.extend(
                m.get("child_modules")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        }
    }
    Ok(Some(out))
}

/// The configuration's expressions of every resource, by address
/// (`module.db.aws_db_instance.main`).
fn collect_config(module: &Value, prefix: &str, out: &mut Map<String, Value>) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(addr), Some(ex)) = (
            r.get("address").and_then(Value::as_str),
            r.get("expressions"),
        ) {
            out.insert(format!("{prefix}{addr}"), ex.clone());
        }
    }
    if let Some(calls) = module.get("module_calls").and_then(Value::as_object) {
        for (name, call) in calls {
            if let Some(m) = call.get("module") {
                collect_config(m, &format!("{prefix}module.{name}."), out);
            }
        }
    }
}

fn read_resource(
    r: &Value,
    unknown: &Map<String, Value>,
    config: &Map<String, Value>,
    lines: &LineIndex<'_>,
    text: &str,
    ev: &mut Evaluator<'_>,
    out: &mut PlanFacts,
) {
    if r.get("mode").and_then(Value::as_str) != Some("managed") {
        return;
    }
    let (Some(addr), Some(ty), Some(name)) = (
        r.get("address").and_then(Value::as_str),
        r.get("type").and_then(Value::as_str),
        r.get("name").and_then(Value::as_str),
    ) else {
        return;
    };
    // The line of the resource's `"address"` in planned_values (the first
    // mention), so a finding points into the file.
    let needle = format!("\"address\": \"{addr}\"");
    let at = text
        .find(&needle)
        .or_else(|| text.find(&format!("\"address\":\"{addr}\"")))
        .map(|i| lines.region(i, i + needle.len()))
        .map(|r| Region::line(r.start_line))
        .unwrap_or(Region::line(1));
    let empty = Value::Null;
    let values = r.get("values").unwrap_or(&empty);
    let body = body_of(
        values,
        unknown.get(addr).unwrap_or(&empty),
        config.get(addr).unwrap_or(&empty),
        at,
    );
    // Resources in modules keep their module path in the name, so that
    // `module.db.aws_db_instance.main` in staging and prod are compared.
    let label = addr
        .strip_suffix(&format!("{ty}.{name}"))
        .map(|m| format!("{m}{name}"))
        .unwrap_or_else(|| name.to_owned());
    let scope = Scope::of(0);
    if let Some(res) = crate::controls::read_resource(ev, scope, ty, &label, &body, at) {
        out.resources.push(res);
    }
    crate::controls::resource_regions(ev, scope, addr, &body, &mut out.cloud_regions);
}

/// A plan's values as the HCL body that would have produced them.
fn body_of(values: &Value, unknown: &Value, config: &Value, at: Region) -> HclBody {
    let mut body = HclBody::default();
    let Some(obj) = values.as_object() else {
        return body;
    };
    let mut keys: Vec<&String> = obj.keys().collect();
    if let Some(u) = unknown.as_object() {
        keys.extend(u.keys().filter(|k| !obj.contains_key(*k)));
    }
    for k in keys {
        let v = obj.get(k).unwrap_or(&Value::Null);
        let u = unknown.get(k).unwrap_or(&Value::Null);
        let c = config.get(k).unwrap_or(&Value::Null);
        if u == &Value::Bool(true) {
            body.attrs.push(Attr {
                key: k.clone(),
                value: after_apply(c),
                region: at,
            });
            continue;
        }
        match v {
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
                for (i, item) in items.iter().enumerate() {
                    let ui = u.get(i).unwrap_or(&Value::Null);
                    let ci = c.get(i).unwrap_or(&Value::Null);
                    body.blocks.push(Block {
                        ident: k.clone(),
                        labels: Vec::new(),
                        body: body_of(item, ui, ci, at),
                        region: at,
                    });
                }
            }
            Value::Null => {}
            other => body.attrs.push(Attr {
                key: k.clone(),
                value: literal(other, at),
                region: at,
            }),
        }
    }
    body
}

/// A value known only after apply: the first reference the configuration
/// gives for it (`aws_kms_key.data.arn`), else a name that says so.
fn after_apply(config: &Value) -> Expr {
    let reference = config
        .get("references")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(Value::as_str);
    match reference {
        Some(r) => {
            let mut parts = r.split('.');
            let root = parts.next().unwrap_or_default().to_owned();
            Expr::Ref(root, parts.map(|p| Step::Attr(p.to_owned())).collect())
        }
        None => Expr::Ref("(known after apply)".to_owned(), Vec::new()),
    }
}

fn literal(v: &Value, at: Region) -> Expr {
    match v {
        Value::Null => Expr::Null,
        Value::Bool(b) => Expr::Bool(*b),
        Value::Number(n) => Expr::Num(n.to_string()),
        Value::String(s) => Expr::Str(s.clone(), at),
        Value::Array(items) => Expr::Tuple(items.iter().map(|i| literal(i, at)).collect()),
        Value::Object(m) => Expr::Object(
            m.iter()
                .map(|(k, v)| ObjectItem {
                    key: k.clone(),
                    value: literal(v, at),
                    region: at,
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::{Control, Setting};

    const PLAN: &str = r#"{
  "format_version": "1.2",
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_db_instance.records",
          "mode": "managed",
          "type": "aws_db_instance",
          "name": "records",
          "values": {
            "identifier": "records-prod",
            "storage_encrypted": true,
            "backup_retention_period": 7,
            "deletion_protection": false,
            "kms_key_id": null
          }
        },
        {
          "address": "aws_dynamodb_table.documents",
          "mode": "managed",
          "type": "aws_dynamodb_table",
          "name": "documents",
          "values": {
            "name": "nc-dp-prod-documents",
            "point_in_time_recovery": [{ "enabled": true }],
            "replica": [{ "region_name": "eu-west-1" }]
          }
        }
      ]
    }
  },
  "resource_changes": [
    {
      "address": "aws_db_instance.records",
      "change": { "after_unknown": { "kms_key_id": true } }
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
}"#;

    #[test]
    fn plan_values_become_controls() {
        assert!(looks_like_plan(PLAN.as_bytes()));
        let facts = read(PLAN.as_bytes()).expect("reads").expect("a plan");
        let db = facts
            .resources
            .iter()
            .find(|r| r.ty == "aws_db_instance")
            .expect("db");
        assert_eq!(db.region.start_line, 7);
        let s = |c| db.get(c).map(|v| v.setting.clone());
        assert_eq!(s(Control::BackupRetentionDays), Some(Setting::Num(7)));
        assert_eq!(s(Control::DeletionProtection), Some(Setting::Off));
        // Known after apply, but the configuration names a key of the account's own.
        assert_eq!(s(Control::KmsKey), Some(Setting::On));
        let t = facts
            .resources
            .iter()
            .find(|r| r.ty == "aws_dynamodb_table")
            .expect("table");
        assert_eq!(
            t.get(Control::Pitr).map(|v| v.setting.clone()),
            Some(Setting::On)
        );
        assert_eq!(
            facts.cloud_regions[0].value,
            Setting::Text("eu-west-1".to_owned())
        );
    }

    #[test]
    fn another_major_version_is_an_error_and_other_json_no_plan() {
        let v2 = PLAN.replace("\"1.2\"", "\"2.0\"");
        assert_eq!(
            read(v2.as_bytes()).err(),
            Some(PlanError::Version("2.0".to_owned()))
        );
        assert!(read(br#"{"format_version": "1.0", "name": "x"}"#)
            .expect("fine")
            .is_none());
    }
}
