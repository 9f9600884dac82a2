# Staging keeps every version of its backups; prod's bucket never got the same.
resource "aws_s3_bucket" "backups" {
  bucket = "acme-health-backups-staging"
  tags   = local.tags
}

resource "aws_s3_bucket_versioning" "backups" {
  bucket = aws_s3_bucket.backups.id
  versioning_configuration {
    status = "Enabled"
  }
}
