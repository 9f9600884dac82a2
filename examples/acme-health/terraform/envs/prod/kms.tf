resource "aws_kms_key" "data" {
  description         = "acme-health records data (prod)"
  enable_key_rotation = true
}

# Created by hand for the log groups; automatic rotation was never turned on.
resource "aws_kms_key" "logs" {
  description = "acme-health logs (prod)"
}
