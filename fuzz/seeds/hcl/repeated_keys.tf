locals {
  tags = { Name = "a", Team = "t", Name = "b" }
  m = {
    Environment = "staging"
    "k" = [1, 2]
    Environment = "prod" # wins
    "k" = { x = 1, x = 2 }
  }
}
