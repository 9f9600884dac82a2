environment       = "prod"
region            = "me-south-1"
db_instance_class = "db.r6g.large"
