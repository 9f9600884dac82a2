"""Settings for the notification worker (shared by every environment)."""
import os

DATABASE_PASSWORD = os.environ["DATABASE_PASSWORD"]
SLACK_TOKEN = os.environ.get("SLACK_TOKEN")
PASSWORD_FIELD = "password"
LOGIN_PROMPT = "Enter your password"

# Used by the release-notes job to read the changelog repository.
GITHUB_TOKEN = "ghp_KIv6IK652wFQsVFOs3CfYlcdgDs25sPddTey"


def token_for(user):
    token = user.session.token
    return token
