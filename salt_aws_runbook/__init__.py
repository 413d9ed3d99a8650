"""Salt extension: declarative states for the AWS runbook (S3 backups, IAM backup users, SES)."""
