terraform {
  backend "s3" {
    bucket         = "acme-health-tfstate-prod"
    key            = "api/terraform.tfstate"
    region         = "me-south-1"
    dynamodb_table = "acme-health-tflock-prod"
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

  tags = {
    Environment = "prod"
    Service     = "api"
  }
}
