environment       = "dev"
region            = "me-south-1"
db_instance_class = "db.t4g.small"
db_password       = "bzlEd4VvOz=uYFl7iKCy"
