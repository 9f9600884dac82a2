//! Resource controls for the production profile (004, `PRD.*` rules): what
//! each data store, key, trail, log group and role of a Terraform file says
//! about encryption, rotation, backup, immutability, retention and sessions.
//!
//! Values come from the static evaluator ([`crate::eval`]): a setting that
//! does not resolve (a module output, a variable without a default) is kept
//! as [`Setting::Unknown`] with its expression, so a rule can say "unknown"
//! and never count the control as met. Companion resources of the AWS
//! provider v4+ (`aws_s3_bucket_server_side_encryption_configuration`,
//! `_object_lock_configuration`, `_versioning`) name the bucket they
//! configure in [`InfraResource::target`]; [`merge`] folds them into it.

use crate::eval::{Evaluator, Scope, Val};
use crate::hcl::{Expr, HclBody, Step};
use envguard_model::Region;

/// One control of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Control {
    /// Encryption at rest switched on (`storage_encrypted`, `encrypted`,
    /// DynamoDB `server_side_encryption.enabled`, backend `encrypt`).
    Encrypted,
    /// A KMS key of the account's own (`kms_key_id`, `kms_master_key_id`, `kms_key_arn`).
    KmsKey,
    /// `enable_key_rotation` of a KMS key.
    KeyRotation,
    /// DynamoDB `point_in_time_recovery.enabled`.
    Pitr,
    /// `backup_retention_period`, days.
    BackupRetentionDays,
    /// `deletion_protection` (`deletion_protection_enabled` for DynamoDB).
    DeletionProtection,
    /// `multi_az` of a database instance.
    MultiAz,
    /// CloudTrail `enable_log_file_validation`.
    LogFileValidation,
    /// S3 Object Lock enabled on the bucket.
    ObjectLock,
    /// Object Lock default retention mode (`COMPLIANCE`, `GOVERNANCE`).
    ObjectLockMode,
    /// Object Lock default retention, days (years × 365).
    ObjectLockDays,
    /// S3 versioning enabled.
    Versioning,
    /// CloudWatch log group `retention_in_days` (0: never expire).
    LogRetentionDays,
    /// IAM role `max_session_duration`, seconds.
    MaxSessionSeconds,
    /// The trust policy lets people (an account, its root or its users) assume the role.
    HumanAssumable,
    /// The trust policy requires MFA (`aws:MultiFactorAuthPresent`, `aws:MultiFactorAuthAge`).
    MfaCondition,
}

impl Control {
    /// How the control is written in Terraform, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Control::Encrypted => "encryption at rest",
            Control::KmsKey => "customer-managed KMS key",
            Control::KeyRotation => "enable_key_rotation",
            Control::Pitr => "point_in_time_recovery",
            Control::BackupRetentionDays => "backup_retention_period",
            Control::DeletionProtection => "deletion_protection",
            Control::MultiAz => "multi_az",
            Control::LogFileValidation => "enable_log_file_validation",
            Control::ObjectLock => "object lock",
            Control::ObjectLockMode => "object lock mode",
            Control::ObjectLockDays => "object lock retention",
            Control::Versioning => "versioning",
            Control::LogRetentionDays => "retention_in_days",
            Control::MaxSessionSeconds => "max_session_duration",
            Control::HumanAssumable => "assumable by people",
            Control::MfaCondition => "MFA condition",
        }
    }
}

/// What a file says about a control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    On,
    Off,
    Num(i64),
    Text(String),
    /// Not resolvable statically: the expression as written (`var.kms_key_arn`).
    Unknown(String),
}

/// One control's setting and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlValue {
    pub control: Control,
    pub setting: Setting,
    pub region: Region,
}

/// A resource whose controls the production profile judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfraResource {
    /// `aws_s3_bucket`; `terraform_backend` for a state backend.
    pub ty: String,
    /// The resource's label (`data`); the backend's kind (`s3`).
    pub name: String,
    /// The block's header line.
    pub region: Region,
    /// Its own name, when static (`bucket`, `name`, `identifier`).
    pub own_name: Option<String>,
    /// For a companion resource, the resource it configures: an address
    /// (`aws_s3_bucket.data`) or a literal bucket name.
    pub target: Option<String>,
    /// For a trail, the bucket it writes to: an address or a literal name.
    pub log_bucket: Option<String>,
    pub controls: Vec<ControlValue>,
}

impl InfraResource {
    /// `aws_s3_bucket.data`.
    pub fn address(&self) -> String {
        format!("{}.{}", self.ty, self.name)
    }

    pub fn get(&self, c: Control) -> Option<&ControlValue> {
        self.controls.iter().find(|v| v.control == c)
    }
}

/// Resource types whose controls are read.
pub const CONTROLLED_TYPES: &[&str] = &[
    "aws_s3_bucket",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_object_lock_configuration",
    "aws_s3_bucket_versioning",
    "aws_dynamodb_table",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_kms_key",
    "aws_cloudtrail",
    "aws_cloudwatch_log_group",
    "aws_iam_role",
    "aws_ebs_volume",
    "aws_sqs_queue",
    "aws_sns_topic",
];

/// Reads one resource block's controls; `None` for types the profile does not judge.
pub(crate) fn read_resource(
    ev: &mut Evaluator<'_>,
    scope: Scope,
    ty: &str,
    name: &str,
    body: &HclBody,
    header: Region,
) -> Option<InfraResource> {
    if !CONTROLLED_TYPES.contains(&ty) {
        return None;
    }
    let mut r = Read {
        ev,
        scope,
        out: InfraResource {
            ty: ty.to_owned(),
            name: name.to_owned(),
            region: header,
            own_name: None,
            target: None,
            log_bucket: None,
            controls: Vec::new(),
        },
    };
    match ty {
        "aws_s3_bucket" => {
            r.out.own_name = r.text(body, "bucket");
            r.flag(body, "object_lock_enabled", Control::ObjectLock);
            // Provider v3 inline blocks.
            for b in body.blocks("server_side_encryption_configuration") {
                r.sse(&b.body);
            }
            for b in body.blocks("object_lock_configuration") {
                r.object_lock(&b.body);
            }
            for b in body.blocks("versioning") {
                r.flag(&b.body, "enabled", Control::Versioning);
            }
        }
        "aws_s3_bucket_server_side_encryption_configuration" => {
            r.out.target = r.link(body, "bucket");
            r.sse(body);
        }
        "aws_s3_bucket_object_lock_configuration" => {
            r.out.target = r.link(body, "bucket");
            // The configuration exists: the bucket has Object Lock.
            r.push(Control::ObjectLock, Setting::On, header);
            r.object_lock(body);
        }
        "aws_s3_bucket_versioning" => {
            r.out.target = r.link(body, "bucket");
            for b in body.blocks("versioning_configuration") {
                if let Some(a) = b.body.attr("status") {
                    let s = match r.eval_setting(&a.value) {
                        Setting::Text(t) if t.eq_ignore_ascii_case("enabled") => Setting::On,
                        Setting::Text(_) => Setting::Off,
                        other => other,
                    };
                    r.push(Control::Versioning, s, a.region);
                }
            }
        }
        "aws_dynamodb_table" => {
            r.out.own_name = r.text(body, "name");
            for b in body.blocks("point_in_time_recovery") {
                r.flag(&b.body, "enabled", Control::Pitr);
            }
            for b in body.blocks("server_side_encryption") {
                r.flag(&b.body, "enabled", Control::Encrypted);
                r.key(&b.body, "kms_key_arn");
            }
            r.flag(
                body,
                "deletion_protection_enabled",
                Control::DeletionProtection,
            );
        }
        "aws_db_instance" | "aws_rds_cluster" => {
            r.out.own_name = r
                .text(body, "identifier")
                .or_else(|| r.text(body, "cluster_identifier"));
            r.flag(body, "storage_encrypted", Control::Encrypted);
            r.key(body, "kms_key_id");
            r.num(
                body,
                "backup_retention_period",
                Control::BackupRetentionDays,
            );
            r.flag(body, "deletion_protection", Control::DeletionProtection);
            if ty == "aws_db_instance" {
                r.flag(body, "multi_az", Control::MultiAz);
            }
        }
        "aws_kms_key" => r.flag(body, "enable_key_rotation", Control::KeyRotation),
        "aws_cloudtrail" => {
            r.out.own_name = r.text(body, "name");
            r.flag(
                body,
                "enable_log_file_validation",
                Control::LogFileValidation,
            );
            r.key(body, "kms_key_id");
            r.out.log_bucket = r.link(body, "s3_bucket_name");
        }
        "aws_cloudwatch_log_group" => {
            r.out.own_name = r.text(body, "name");
            r.num(body, "retention_in_days", Control::LogRetentionDays);
            r.key(body, "kms_key_id");
        }
        "aws_iam_role" => {
            r.out.own_name = r.text(body, "name");
            r.num(body, "max_session_duration", Control::MaxSessionSeconds);
            if let Some(a) = body.attr("assume_role_policy") {
                r.trust_policy(&a.value, a.region);
            }
        }
        "aws_ebs_volume" => {
            r.flag(body, "encrypted", Control::Encrypted);
            r.key(body, "kms_key_id");
        }
        "aws_sqs_queue" | "aws_sns_topic" => {
            r.out.own_name = r.text(body, "name");
            r.key(body, "kms_master_key_id");
        }
        _ => {}
    }
    Some(r.out)
}

/// A Terraform state backend's controls (`encrypt`, `kms_key_id`).
pub(crate) fn backend_resource(kind: &str, cfg: &Val, region: Region) -> InfraResource {
    let mut controls = Vec::new();
    let setting = |v: &Val| match v {
        Val::Bool(true) => Setting::On,
        Val::Bool(false) => Setting::Off,
        Val::Str(s, _) if s == "true" => Setting::On,
        Val::Str(s, _) if s == "false" => Setting::Off,
        Val::Str(s, _) => Setting::Text(s.clone()),
        _ => Setting::Unknown("a value that does not resolve".to_owned()),
    };
    let at = |v: &Val| match v {
        Val::Str(_, Some(o)) => o.region,
        _ => region,
    };
    if let Some(v) = cfg.get("encrypt").filter(|v| **v != Val::Null) {
        controls.push(ControlValue {
            control: Control::Encrypted,
            setting: setting(v),
            region: at(v),
        });
    }
    if let Some(v) = cfg.get("kms_key_id").filter(|v| **v != Val::Null) {
        let s = match setting(v) {
            Setting::Text(t) if is_aws_managed_key(&t) => Setting::Off,
            Setting::Text(_) => Setting::On,
            other => other,
        };
        controls.push(ControlValue {
            control: Control::KmsKey,
            setting: s,
            region: at(v),
        });
    }
    InfraResource {
        ty: "terraform_backend".to_owned(),
        name: kind.to_owned(),
        region,
        own_name: None,
        target: None,
        log_bucket: None,
        controls,
    }
}

/// `alias/aws/s3`, `alias/aws/rds`: keys AWS manages, not the account.
fn is_aws_managed_key(s: &str) -> bool {
    s.starts_with("alias/aws/") || s.contains(":alias/aws/")
}

struct Read<'e, 'w> {
    ev: &'e mut Evaluator<'w>,
    scope: Scope,
    out: InfraResource,
}

impl Read<'_, '_> {
    fn push(&mut self, control: Control, setting: Setting, region: Region) {
        self.out.controls.retain(|c| c.control != control);
        self.out.controls.push(ControlValue {
            control,
            setting,
            region,
        });
    }

    fn eval_setting(&mut self, e: &Expr) -> Setting {
        match self.ev.eval(e, self.scope) {
            Val::Bool(true) => Setting::On,
            Val::Bool(false) => Setting::Off,
            Val::Str(s, _) if s == "true" => Setting::On,
            Val::Str(s, _) if s == "false" => Setting::Off,
            Val::Num(n) => n
                .parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                .map(|f| Setting::Num(f as i64))
                .unwrap_or(Setting::Text(n)),
            Val::Str(s, _) => match s.parse::<i64>() {
                Ok(n) => Setting::Num(n),
                Err(_) => Setting::Text(s),
            },
            _ => Setting::Unknown(expr_text(e)),
        }
    }

    fn text(&mut self, body: &HclBody, key: &str) -> Option<String> {
        let a = body.attr(key)?;
        self.ev
            .eval(&a.value, self.scope)
            .as_str()
            .map(str::to_owned)
    }

    fn flag(&mut self, body: &HclBody, key: &str, c: Control) {
        if let Some(a) = body.attr(key) {
            if a.value == Expr::Null {
                return;
            }
            let s = match self.eval_setting(&a.value) {
                Setting::Text(t) if t.eq_ignore_ascii_case("enabled") => Setting::On,
                Setting::Text(_) | Setting::Num(_) => Setting::Off,
                other => other,
            };
            self.push(c, s, a.region);
        }
    }

    fn num(&mut self, body: &HclBody, key: &str, c: Control) {
        if let Some(a) = body.attr(key) {
            if a.value == Expr::Null {
                return;
            }
            let s = self.eval_setting(&a.value);
            self.push(c, s, a.region);
        }
    }

    /// A KMS key attribute: a reference to a key resource is the account's
    /// own key whatever its value at plan time; an AWS-managed alias is not.
    fn key(&mut self, body: &HclBody, key: &str) {
        let Some(a) = body.attr(key) else { return };
        let s = match &a.value {
            Expr::Null => return,
            Expr::Ref(root, _) if refers_to_key(root, &a.value) => Setting::On,
            e => match self.eval_setting(e) {
                Setting::Text(t) if t.is_empty() || is_aws_managed_key(&t) => Setting::Off,
                Setting::Text(_) => Setting::On,
                other => other,
            },
        };
        self.push(Control::KmsKey, s, a.region);
    }

    /// An attribute naming another resource: its address when it is a
    /// reference (`aws_s3_bucket.logs.id`), else its static value.
    fn link(&mut self, body: &HclBody, key: &str) -> Option<String> {
        let a = body.attr(key)?;
        if let Expr::Ref(root, steps) = &a.value {
            if root.starts_with("aws_") {
                if let Some(Step::Attr(name)) = steps.first() {
                    return Some(format!("{root}.{name}"));
                }
            }
        }
        self.ev
            .eval(&a.value, self.scope)
            .as_str()
            .map(str::to_owned)
    }

    /// `rule { apply_server_side_encryption_by_default { sse_algorithm, kms_master_key_id } }`.
    fn sse(&mut self, body: &HclBody) {
        for rule in body.blocks("rule") {
            for d in rule.body.blocks("apply_server_side_encryption_by_default") {
                if let Some(a) = d.body.attr("sse_algorithm") {
                    let s = self.eval_setting(&a.value);
                    self.push(Control::Encrypted, s.clone(), a.region);
                    if matches!(&s, Setting::Text(t) if t == "AES256") {
                        self.push(Control::KmsKey, Setting::Off, a.region);
                    }
                }
                self.key(&d.body, "kms_master_key_id");
                if d.body.attr("kms_master_key_id").is_none()
                    && self.out.get(Control::KmsKey).is_none()
                {
                    // aws:kms without a key id is the AWS-managed `aws/s3` key.
                    self.push(Control::KmsKey, Setting::Off, d.region);
                }
            }
        }
    }

    /// `object_lock_enabled = "Enabled"`, `rule { default_retention { mode, days | years } }`.
    fn object_lock(&mut self, body: &HclBody) {
        if let Some(a) = body.attr("object_lock_enabled") {
            let s = match self.eval_setting(&a.value) {
                Setting::Text(t) if t.eq_ignore_ascii_case("enabled") => Setting::On,
                Setting::Text(_) => Setting::Off,
                other => other,
            };
            self.push(Control::ObjectLock, s, a.region);
        }
        for rule in body.blocks("rule") {
            for d in rule.body.blocks("default_retention") {
                if let Some(a) = d.body.attr("mode") {
                    let s = self.eval_setting(&a.value);
                    self.push(Control::ObjectLockMode, s, a.region);
                }
                if let Some(a) = d.body.attr("days") {
                    let s = self.eval_setting(&a.value);
                    self.push(Control::ObjectLockDays, s, a.region);
                } else if let Some(a) = d.body.attr("years") {
                    let s = match self.eval_setting(&a.value) {
                        Setting::Num(y) => Setting::Num(y.saturating_mul(365)),
                        other => other,
                    };
                    self.push(Control::ObjectLockDays, s, a.region);
                }
            }
        }
    }

    /// Who may assume the role, and whether MFA is required: from a
    /// `jsonencode({...})` or a JSON string. A policy document built elsewhere
    /// (`data.aws_iam_policy_document.x.json`) is unknown.
    fn trust_policy(&mut self, e: &Expr, region: Region) {
        let doc = match e {
            Expr::Call(f, args) if f == "jsonencode" && args.len() == 1 => {
                let v = self.ev.eval(&args[0], self.scope);
                val_to_json(&v)
            }
            _ => match self.ev.eval(e, self.scope) {
                Val::Str(s, _) => serde_json::from_str::<serde_json::Value>(&s).ok(),
                _ => None,
            },
        };
        let Some(doc) = doc else {
            self.push(
                Control::HumanAssumable,
                Setting::Unknown(expr_text(e)),
                region,
            );
            return;
        };
        let (human, mfa) = trust_of(&doc);
        self.push(
            Control::HumanAssumable,
            if human { Setting::On } else { Setting::Off },
            region,
        );
        self.push(
            Control::MfaCondition,
            if mfa { Setting::On } else { Setting::Off },
            region,
        );
    }
}

/// `aws_kms_key.x.arn`, `aws_kms_alias.x.arn`, `data.aws_kms_key.x.arn`,
/// `data.aws_kms_alias.x.target_key_arn`.
fn refers_to_key(root: &str, e: &Expr) -> bool {
    if root.starts_with("aws_kms_") {
        return true;
    }
    matches!(e, Expr::Ref(r, steps) if r == "data"
        && matches!(steps.first(), Some(Step::Attr(t)) if t.starts_with("aws_kms_")))
}

/// (people may assume the role, every such statement requires MFA).
fn trust_of(doc: &serde_json::Value) -> (bool, bool) {
    use serde_json::Value;
    let list = |v: Option<&Value>| -> Vec<Value> {
        match v {
            Some(Value::Array(a)) => a.clone(),
            Some(other) => vec![other.clone()],
            None => Vec::new(),
        }
    };
    let mut human = false;
    let mut all_mfa = true;
    for st in list(doc.get("Statement")) {
        if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let actions = list(st.get("Action"));
        if !actions.iter().any(|a| {
            a.as_str()
                .is_some_and(|s| s == "sts:AssumeRole" || s == "sts:*")
        }) {
            continue;
        }
        let aws = list(st.get("Principal").and_then(|p| p.get("AWS")));
        let people = aws.iter().filter_map(Value::as_str).any(|p| {
            p == "*"
                || p.ends_with(":root")
                || p.contains(":user/")
                || (p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()))
        });
        if !people {
            continue;
        }
        human = true;
        let cond = st
            .get("Condition")
            .map(|c| c.to_string())
            .unwrap_or_default();
        if !(cond.contains("aws:MultiFactorAuthPresent") || cond.contains("aws:MultiFactorAuthAge"))
        {
            all_mfa = false;
        }
    }
    (human, human && all_mfa)
}

fn val_to_json(v: &Val) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match v {
        Val::Str(s, _) => Value::String(s.clone()),
        Val::Num(n) => Value::String(n.clone()),
        Val::Bool(b) => Value::Bool(*b),
        Val::Null => Value::Null,
        Val::List(items) => Value::Array(items.iter().map(val_to_json).collect::<Option<_>>()?),
        Val::Map(items) => Value::Object(
            items
                .iter()
                .map(|(k, v)| Some((k.clone(), val_to_json(v)?)))
                .collect::<Option<_>>()?,
        ),
        Val::Unknown => return None,
    })
}

/// An expression as a reader would write it, for "unknown" notes.
pub fn expr_text(e: &Expr) -> String {
    match e {
        Expr::Str(s, _) => format!("\"{s}\""),
        Expr::Num(n) => n.clone(),
        Expr::Bool(b) => b.to_string(),
        Expr::Null => "null".to_owned(),
        Expr::Template(parts) => {
            let mut s = String::from("\"");
            for p in parts {
                match p {
                    Expr::Str(t, _) => s.push_str(t),
                    other => {
                        s.push_str("${");
                        s.push_str(&expr_text(other));
                        s.push('}');
                    }
                }
            }
            s.push('"');
            s
        }
        Expr::Ref(root, steps) => {
            let mut s = root.clone();
            for st in steps {
                match st {
                    Step::Attr(a) => {
                        s.push('.');
                        s.push_str(a);
                    }
                    Step::Index(i) => {
                        s.push('[');
                        s.push_str(&expr_text(i));
                        s.push(']');
                    }
                }
            }
            s
        }
        Expr::Call(f, args) => format!(
            "{f}({})",
            args.iter().map(expr_text).collect::<Vec<_>>().join(", ")
        ),
        Expr::Object(_) => "{ … }".to_owned(),
        Expr::Tuple(_) => "[ … ]".to_owned(),
        Expr::Cond(c, a, b) => format!("{} ? {} : {}", expr_text(c), expr_text(a), expr_text(b)),
        Expr::Eq(eq, a, b) => format!(
            "{} {} {}",
            expr_text(a),
            if *eq { "==" } else { "!=" },
            expr_text(b)
        ),
        Expr::Unknown => "an expression envguard does not evaluate".to_owned(),
    }
}

/// A cloud region a file puts something in: a provider's, a state
/// backend's, a resource's replica, copy or destination region (`RES.region`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudRegion {
    /// `provider.aws.region`, `backend.s3.region`,
    /// `aws_dynamodb_table.documents.replica.region_name`.
    pub key: String,
    /// [`Setting::Text`] with the region's name, or [`Setting::Unknown`].
    pub value: Setting,
    pub region: Region,
}

/// Attribute names that place a resource, or a copy of its data, in a region.
const REGION_KEYS: &[&str] = &[
    "region",
    "region_name",
    "destination_region",
    "source_region",
    "replica_region",
    "dr_region",
    "backup_region",
];

/// The region an attribute's value names, located where its literal is
/// written when that is this file; `None` for `null` or a non-string.
pub(crate) fn cloud_region(
    ev: &mut Evaluator<'_>,
    scope: Scope,
    key: String,
    e: &Expr,
    at: Region,
) -> Option<CloudRegion> {
    let (value, region) = match ev.eval(e, scope) {
        Val::Str(s, o) => {
            let region = match o {
                Some(o) if o.file == scope.file => o.region,
                _ => at,
            };
            (Setting::Text(s), region)
        }
        Val::Unknown => (Setting::Unknown(expr_text(e)), at),
        _ => return None,
    };
    Some(CloudRegion { key, value, region })
}

/// Regions named inside a resource's body (its replicas, copies, destinations).
pub(crate) fn resource_regions(
    ev: &mut Evaluator<'_>,
    scope: Scope,
    addr: &str,
    body: &HclBody,
    out: &mut Vec<CloudRegion>,
) {
    for a in &body.attrs {
        if REGION_KEYS.contains(&a.key.as_str()) {
            if let Some(r) =
                cloud_region(ev, scope, format!("{addr}.{}", a.key), &a.value, a.region)
            {
                out.push(r);
            }
        }
    }
    for b in &body.blocks {
        resource_regions(ev, scope, &format!("{addr}.{}", b.ident), &b.body, out);
    }
}

/// A resource with the controls of its companions folded in, each control
/// with the file that sets it.
#[derive(Debug, Clone)]
pub struct Merged<'a> {
    pub path: &'a str,
    pub res: &'a InfraResource,
    pub controls: Vec<(&'a str, &'a ControlValue)>,
}

impl<'a> Merged<'a> {
    pub fn get(&self, c: Control) -> Option<(&'a str, &'a ControlValue)> {
        self.controls
            .iter()
            .rev()
            .find(|(_, v)| v.control == c)
            .copied()
    }
}

/// Folds companion resources into the resources they configure, among the
/// resources of one environment: a companion names its bucket by address (in
/// the same directory) or by its static name. Companions whose bucket is not
/// among them are kept as they are.
pub fn merge<'a>(items: &[(&'a str, &'a InfraResource)]) -> Vec<Merged<'a>> {
    let dir = |p: &'a str| crate::eval::dir_of(p);
    let mut out: Vec<Merged<'a>> = items
        .iter()
        .filter(|(_, r)| r.target.is_none())
        .map(|(p, r)| Merged {
            path: p,
            res: r,
            controls: r.controls.iter().map(|c| (*p, c)).collect(),
        })
        .collect();
    for (p, r) in items.iter().filter(|(_, r)| r.target.is_some()) {
        let t = r.target.as_deref().unwrap_or_default();
        let found = out.iter_mut().find(|m| {
            m.res.ty == "aws_s3_bucket"
                && ((dir(m.path) == dir(p) && m.res.address() == t)
                    || m.res.own_name.as_deref() == Some(t))
        });
        match found {
            Some(m) => m.controls.extend(r.controls.iter().map(|c| (*p, c))),
            None => out.push(Merged {
                path: p,
                res: r,
                controls: r.controls.iter().map(|c| (*p, c)).collect(),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{HclFile, HclKind};
    use crate::hcl::mirror;

    fn resources(files: &[(&str, &str)]) -> Vec<(String, InfraResource)> {
        let files = files
            .iter()
            .map(|(p, t)| HclFile {
                path: (*p).to_owned(),
                kind: HclKind::of_path(p),
                body: mirror(t, &hcl_edit::parser::parse_body(t).expect("valid")),
            })
            .collect();
        crate::resolve_hcl(files, &|_| true)
            .into_iter()
            .flat_map(|(p, f)| f.resources.into_iter().map(move |r| (p.clone(), r)))
            .collect()
    }

    #[test]
    fn controls_resolve_companions_and_unknowns() {
        let rs = resources(&[
            ("envs/prod/main.tf", "resource \"aws_s3_bucket\" \"raw\" {\n  bucket = \"nc-prod-raw\"\n}\nresource \"aws_s3_bucket_server_side_encryption_configuration\" \"raw\" {\n  bucket = aws_s3_bucket.raw.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = \"aws:kms\"\n      kms_master_key_id = aws_kms_key.data.arn\n    }\n  }\n}\nresource \"aws_db_instance\" \"db\" {\n  storage_encrypted = var.enc\n  backup_retention_period = local.days\n  kms_key_id = \"alias/aws/rds\"\n}\nlocals {\n  days = 30\n}\nvariable \"enc\" {}\n"),
            ("envs/prod/backend.tf", "terraform {\n  backend \"s3\" {\n    bucket = \"st\"\n    key = \"k\"\n    encrypt = true\n  }\n}\n"),
        ]);
        let items: Vec<(&str, &InfraResource)> = rs.iter().map(|(p, r)| (p.as_str(), r)).collect();
        let merged = merge(&items);
        let bucket = merged
            .iter()
            .find(|m| m.res.ty == "aws_s3_bucket")
            .expect("bucket");
        assert_eq!(
            bucket.get(Control::KmsKey).map(|(_, v)| &v.setting),
            Some(&Setting::On)
        );
        assert!(
            !merged.iter().any(|m| m.res.target.is_some()),
            "companion folded in"
        );
        let db = merged
            .iter()
            .find(|m| m.res.ty == "aws_db_instance")
            .expect("db");
        assert_eq!(
            db.get(Control::Encrypted).map(|(_, v)| &v.setting),
            Some(&Setting::Unknown("var.enc".to_owned()))
        );
        assert_eq!(
            db.get(Control::BackupRetentionDays)
                .map(|(_, v)| &v.setting),
            Some(&Setting::Num(30))
        );
        assert_eq!(
            db.get(Control::KmsKey).map(|(_, v)| &v.setting),
            Some(&Setting::Off)
        );
        let be = merged
            .iter()
            .find(|m| m.res.ty == "terraform_backend")
            .expect("backend");
        assert_eq!(
            be.get(Control::Encrypted).map(|(_, v)| &v.setting),
            Some(&Setting::On)
        );
        assert!(be.get(Control::KmsKey).is_none());
    }

    #[test]
    fn trust_policies_say_who_assumes_and_with_mfa() {
        let doc = serde_json::json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}]});
        assert_eq!(trust_of(&doc), (true, false));
        let doc = serde_json::json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]});
        assert_eq!(trust_of(&doc), (true, true));
        let doc = serde_json::json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "lambda.amazonaws.com"}}]});
        assert_eq!(trust_of(&doc), (false, false));
    }
}
