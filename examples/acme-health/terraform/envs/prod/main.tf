terraform {
  backend "s3" {
    bucket         = "acme-health-tfstate-prod"
    key            = "api/terraform.tfstate"
    region         = "me-south-1"
    dynamodb_table = "acme-health-tflock-prod"
    encrypt        = true
    kms_key_id     = "alias/acme-health-tfstate-prod"
  }
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "api" {
  identifier        = "api-db-prod"
  engine            = "postgres"
  instance_class    = var.db_instance_class
  username          = "api"
  password          = var.db_password
  storage_encrypted = true
  kms_key_id        = aws_kms_key.data.arn
  multi_az          = true
  # 30 days of backups as 004 asks; deletion protection was never turned on.
  backup_retention_period = 30

  tags = {
    Environment = "prod"
    Service     = "api"
  }
}
