use super::*;
use envguard_model::Format::Hcl;

const MAIN_TF: &str = r#"variable "environment" {
  type    = string
  default = "staging"
}

locals {
  db_password = "hunter2"
  name        = "app-${var.environment}"
  escaped     = "a$${literal}b"
}

resource "aws_db_instance" "main" {
  password = "s3cr3t!"
  username = var.db_user
  port     = 5432
  multi_az = true
  note     = upper("not-a-fact")
  pick     = var.x ? "yes" : "no"
  tags = {
    Environment = "prod"
    "Team"      = "payments"
    (var.k)     = "dynamic"
  }
  allowed = ["10.0.0.1", var.ip]
  policy = <<-EOT
    {"Version": "2012"}
  EOT

  lifecycle {
    ignore_changes = [password]
  }
}
"#;

#[test]
fn literal_attributes_become_facts() {
    let out = run(Hcl, MAIN_TF);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            ("variable.environment.default", "staging", r(3, 14, 3, 21)),
            ("locals.db_password", "hunter2", r(7, 18, 7, 25)),
            // `$${` is an escape, not an interpolation.
            ("locals.escaped", "a${literal}b", r(9, 18, 9, 31)),
            (
                "resource.aws_db_instance.main.password",
                "s3cr3t!",
                r(13, 15, 13, 22)
            ),
            (
                "resource.aws_db_instance.main.port",
                "5432",
                r(15, 14, 15, 18)
            ),
            (
                "resource.aws_db_instance.main.multi_az",
                "true",
                r(16, 14, 16, 18)
            ),
            (
                "resource.aws_db_instance.main.tags.Environment",
                "prod",
                r(20, 20, 20, 24)
            ),
            (
                "resource.aws_db_instance.main.tags.Team",
                "payments",
                r(21, 20, 21, 28)
            ),
            (
                "resource.aws_db_instance.main.allowed.0",
                "10.0.0.1",
                r(24, 15, 24, 23)
            ),
            (
                "resource.aws_db_instance.main.policy",
                "{\"Version\": \"2012\"}\n",
                r(26, 5, 26, 24)
            ),
        ]
    );
    assert_eq!(
        covered(MAIN_TF, fact(&out, "locals.db_password").region),
        "hunter2"
    );
    assert_eq!(
        hints(&out),
        vec![
            ("staging", "variable.environment.default", r(3, 14, 3, 21)),
            (
                "prod",
                "resource.aws_db_instance.main.tags.Environment",
                r(20, 20, 20, 24)
            ),
        ]
    );
}

#[test]
fn tfvars_and_terragrunt_inputs() {
    let out = run(Hcl, "environment = \"prod\"\ndb_password = \"x\"\n");
    assert_eq!(kv(&out)[1], ("db_password", "x", r(2, 16, 2, 17)));
    assert_eq!(hints(&out), vec![("prod", "environment", r(1, 16, 1, 20))]);

    let text = "include \"root\" {\n  path = find_in_parent_folders()\n}\ninputs = {\n  stage = \"dev\"\n  api_key = <<EOT\nabc\ndef\nEOT\n}\n";
    let out = run(Hcl, text);
    assert_eq!(
        kv(&out),
        vec![
            ("inputs.stage", "dev", r(5, 12, 5, 15)),
            ("inputs.api_key", "abc\ndef\n", r(7, 1, 8, 4))
        ]
    );
    assert_eq!(hints(&out), vec![("dev", "inputs.stage", r(5, 12, 5, 15))]);
}

#[test]
fn broken_hcl_reports_the_line() {
    let out = run(Hcl, "resource \"x\" \"y\" {\n  a = \"1\"\n  b = \n}\n");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].region.start_line, 3, "{:#?}", out.errors);
    let out = run(Hcl, "a = \"unterminated\nb = 1\n");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].region.start_line, 1, "{:#?}", out.errors);
}
