# staging application
path "secret/data/staging/*" {
  capabilities = ["read", "list"]
}
path "secret/data/+/shared/*" {
  capabilities = ["read"]
}
path "secret/data/prod/*" {
  capabilities = ["deny"]
}
path "secret/metadata/staging" {
  policy = "write"
  allowed_parameters = {
    "*" = []
  }
}
