# Private pillar of the kingfisher server. The aws_runbook states add postgres:backup:s3_key,
# s3_key_secret, s3_region, s3_bucket and s3_endpoint for pgBackRest; the rest of the file
# is kept.
postgres:
  backup:
    repo_path: /kingfisher
