terraform {
  backend "s3" {
    bucket         = "acme-health-tfstate-nonprod"
    key            = "api/terraform.tfstate"
    region         = "me-south-1"
    dynamodb_table = "acme-health-tflock-nonprod"
  }
}
