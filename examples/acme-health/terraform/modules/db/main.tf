# A module shared by every environment: it belongs to none, so the names it
# mentions are not references.
variable "identifier" {
  type = string
}
variable "instance_class" {
  type = string
}
variable "port" {
  type    = number
  default = 5432
}
variable "tags" {
  type = map(string)
}

resource "aws_db_instance" "this" {
  identifier     = var.identifier
  engine         = "postgres"
  instance_class = var.instance_class
  port           = var.port
  tags           = var.tags
}
