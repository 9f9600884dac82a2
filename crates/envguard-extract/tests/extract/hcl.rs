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

/// Valid HCL that `hcl-edit` refuses: a key repeated in an object (the last
/// item wins), on one line and over several.
#[test]
fn repeated_object_keys_keep_the_last_item() {
    let text = "locals {\n  tags = { Name = \"a\", Team = \"t\", Name = \"b\" }\n  m = {\n    Environment = \"staging\"\n    port = 1\n    Environment = \"prod\" # wins\n  }\n}\nafter = \"x\"\n";
    let out = run(Hcl, text);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            ("locals.tags.Team", "t", r(2, 32, 2, 33)),
            ("locals.tags.Name", "b", r(2, 44, 2, 45)),
            ("locals.m.port", "1", r(5, 12, 5, 13)),
            ("locals.m.Environment", "prod", r(6, 20, 6, 24)),
            ("after", "x", r(9, 10, 9, 11)),
        ]
    );
    for f in &out.facts {
        assert_eq!(covered(text, f.region), f.value, "{f:?}");
    }
    assert_eq!(
        hints(&out),
        vec![("prod", "locals.m.Environment", r(6, 20, 6, 24))]
    );
}

/// A heredoc body line that starts with the marker and goes on (`EOF)`) is
/// body text in HCL, where `hcl-edit` ends the heredoc.
#[test]
fn heredoc_line_starting_with_its_marker_is_body_text() {
    let text = "resource \"aws_instance\" \"web\" {\n  user_data = <<-EOF\n    #!/bin/bash\n    echo $(cat <<EOF\n    hi é\n    EOF)\n    EOF.\n    EOF\n  ami = \"ami-123\"\n  raw = <<EOT\n{\nEOT # not the end\n}\nEOT\n}\n";
    let out = run(Hcl, text);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            (
                "resource.aws_instance.web.user_data",
                "#!/bin/bash\necho $(cat <<EOF\nhi é\nEOF)\nEOF.\n",
                r(3, 5, 7, 9)
            ),
            ("resource.aws_instance.web.ami", "ami-123", r(9, 10, 9, 17)),
            (
                "resource.aws_instance.web.raw",
                "{\nEOT # not the end\n}\n",
                r(11, 1, 13, 2)
            ),
        ]
    );
}

/// When the repaired text does not parse either, the original error is the one reported.
#[test]
fn invalid_hcl_after_repair_reports_the_original_error() {
    let out = run(Hcl, "tags = { a = 1, a = 2 }\nb = \n");
    assert_eq!(out.facts, vec![]);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].region, r(1, 17, 1, 17), "{:#?}", out.errors);
    assert!(
        out.errors[0].message.contains("redefined object key"),
        "{:#?}",
        out.errors
    );
    // A repeated attribute is an error in HCL too: not repaired.
    let out = run(Hcl, "a = 1\na = 2\n");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].region.start_line, 2, "{:#?}", out.errors);
    // An unterminated heredoc.
    let out = run(Hcl, "a = <<EOF\nx\nEOF)\n");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].region.start_line, 3, "{:#?}", out.errors);
}

/// Documented gap: `hcl-edit` ends the heredoc at `EOF.` and reads
/// `.EOF` as an attribute access, without an error, so nothing is repaired.
#[test]
fn heredoc_ended_early_without_an_error_is_no_fact() {
    let out = run(Hcl, "x = <<EOF\na\nEOF.\nEOF\ny = \"1\"\n");
    assert_eq!(out.errors, vec![]);
    assert_eq!(kv(&out), vec![("y", "1", r(5, 6, 5, 7))]);
}

/// Hints come from file-level settings only: never from a module block's
/// arguments, nor from a resource's own attributes outside its tags.
#[test]
fn hints_only_from_file_level_settings() {
    let text = r#"module "vpc" {
  source      = "../modules/vpc"
  environment = "production"
  tags = {
    Environment = "production"
  }
}

resource "aws_elastic_beanstalk_environment" "app" {
  name        = "app"
  environment = "production"
  stage       = "prod"
  settings {
    env = "prod"
  }
}

output "env" {
  value = { environment = "production" }
}

locals {
  environment = "staging"
  config = {
    env = "staging"
  }
}
"#;
    let out = run(Hcl, text);
    assert_eq!(out.errors, vec![]);
    // Every literal is still a fact.
    assert_eq!(fact(&out, "module.vpc.environment").value, "production");
    assert_eq!(
        fact(
            &out,
            "resource.aws_elastic_beanstalk_environment.app.environment"
        )
        .value,
        "production"
    );
    assert_eq!(
        hints(&out),
        vec![
            ("staging", "locals.environment", r(23, 18, 23, 25)),
            ("staging", "locals.config.env", r(25, 12, 25, 19)),
        ]
    );
}

#[test]
fn hints_from_variable_defaults_tags_and_terragrunt() {
    let text = r#"variable "env" {
  default = "prod"
}

variable "tags" {
  default = {
    Environment = "prod"
  }
}

variable "settings" {
  default = {
    environment = "dev"
  }
}

provider "aws" {
  default_tags {
    tags = {
      Environment = "prod"
    }
  }
}

resource "google_storage_bucket" "b" {
  labels = { env = "prod" }
}
"#;
    let out = run(Hcl, text);
    assert_eq!(out.errors, vec![]);
    let keys: Vec<&str> = hints(&out).iter().map(|h| h.1).collect();
    assert_eq!(
        keys,
        vec![
            "variable.env.default",
            "variable.tags.default.Environment",
            "provider.aws.default_tags.tags.Environment",
            "resource.google_storage_bucket.b.labels.env",
        ]
    );

    // An `env.hcl`'s locals, a terragrunt.hcl's inputs; not its dependency mocks.
    let text = "locals {\n  environment = \"qa\"\n}\ndependency \"vpc\" {\n  mock_outputs = { environment = \"prod\" }\n}\ninputs = {\n  tags = { Environment = \"qa\" }\n}\n";
    let out = run(Hcl, text);
    let keys: Vec<(&str, &str)> = hints(&out).iter().map(|h| (h.0, h.1)).collect();
    assert_eq!(
        keys,
        vec![
            ("qa", "locals.environment"),
            ("qa", "inputs.tags.Environment")
        ]
    );
}
