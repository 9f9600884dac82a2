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
  # Two weeks, copied from staging; 004 keeps operational logs 90 days.
  retention_in_days = 14
  kms_key_id        = aws_kms_key.logs.arn
  # The central logging endpoint every environment ships to (shared by design).
  tags = { LogSink = "logs.shared.acme-health.io" }
}

resource "aws_s3_bucket" "backups" {
  bucket = "acme-health-backups-prod"
  tags   = local.common_tags
}

# Every prod bucket is encrypted with the records key (004 "Encryption").
resource "aws_s3_bucket_server_side_encryption_configuration" "audit" {
  bucket = aws_s3_bucket.audit.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "exports" {
  bucket = aws_s3_bucket.exports.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "reports" {
  bucket = aws_s3_bucket.reports.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "backups" {
  bucket = aws_s3_bucket.backups.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}
