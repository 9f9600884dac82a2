# Copied from dev when staging was created; the key was never changed, and the
# lock table was later "fixed" by pasting prod's.
terraform {
  backend "s3" {
    bucket         = "acme-health-tfstate-nonprod"
    key            = "api/terraform.tfstate"
    region         = "me-south-1"
    dynamodb_table = "acme-health-tflock-prod"
  }
}
