locals {
  # Pasted from the staging stack.
  common_tags = {
    Environment = "staging"
    Service     = "records"
  }
}

resource "aws_s3_bucket" "audit" {
  bucket = "acme-health-audit-prod"
  tags   = local.common_tags
}

resource "aws_s3_bucket" "exports" {
  bucket = "acme-health-exports-staging"
  tags   = local.common_tags
}

resource "aws_s3_bucket" "reports" {
  bucket = "acme-health-reports"
  tags   = local.common_tags
}

resource "aws_cloudwatch_log_group" "api" {
  name = "/acme-health/api-prod"
  # The central logging endpoint every environment ships to (shared by design).
  tags = { LogSink = "logs.shared.acme-health.io" }
}

resource "aws_s3_bucket" "backups" {
  bucket = "acme-health-backups-prod"
  tags   = local.common_tags
}
