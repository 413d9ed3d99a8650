# Private pillar of the kingfisher server. The aws states add postgres:backup:s3_key,
# s3_key_secret, s3_region and s3_bucket for pgBackRest; the rest of the file is kept.
postgres:
  backup:
    repo_path: /kingfisher
