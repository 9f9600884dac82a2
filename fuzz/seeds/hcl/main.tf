variable "environment" {
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
