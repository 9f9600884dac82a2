resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
  tags       = local.common_tags
}

resource "aws_security_group" "db" {
  name   = "api-db-sg-prod"
  vpc_id = aws_vpc.main.id

  ingress {
    description = "PostgreSQL from the app subnets"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    # The second range was added "temporarily" to debug from staging.
    cidr_blocks = ["10.30.0.0/16", "10.20.0.0/16"]
  }
}

# SSH from anywhere to a bastion is a hygiene question for other tools; it is
# not a path from another environment and not a database port.
resource "aws_security_group" "bastion" {
  name = "bastion-sg-prod"

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
