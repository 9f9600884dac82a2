resource "aws_instance" "web" {
  user_data = <<-EOF
    #!/bin/bash
    echo $(cat <<EOF
    hi ${var.name}
    EOF)
    EOF
  policy = <<EOT
{
EOT.x
}
EOT
}
