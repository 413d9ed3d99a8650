aws_runbook:
  backup:
    # S3 buckets for server backups (s3_backup_bucket.present). Each key is a bucket name.
    buckets:
      ocp-redmine-backup:
        # Use the region nearest the server (the runbook: eu-west-2 for London servers).
        region: eu-west-2
        expire_days: 30              # rule "delete-after-30-days": current versions expire
        abort_multipart_days: 7      # incomplete multipart uploads are aborted
      ocp-pgbackrest:
        region: eu-west-2
        expire_days: null            # pgBackRest expires its own backups: no lifecycle rule
      # ocp-old-backup:
      #   absent: true
      #   force: true                # delete the objects too

    # IAM backup users (iam_backup_user.present). Each key is a user name.
    users:
      redmine-backup:
        bucket: ocp-redmine-backup
        region: eu-west-2            # written to aws:region for the backup scripts
        # Relative paths are resolved against the first pillar_roots directory, so this is
        # pillar/private/redmine.sls, the server's private pillar.
        pillar_file: private/redmine.sls
        rotate_after_days: 90        # new key written first, then the old one deleted
      kingfisher-pgbackrest:
        bucket: ocp-pgbackrest
        prefix: kingfisher           # pgBackRest repo1-path: the user may only touch this prefix
        region: eu-west-2
        pillar_file: private/kingfisher.sls
        # Write where the pgBackRest state reads, instead of aws:access_key & co.
        pillar_keys:
          access_key_id: postgres:backup:s3_key
          secret_access_key: postgres:backup:s3_key_secret
          region: postgres:backup:s3_region
          bucket: postgres:backup:s3_bucket
          endpoint: postgres:backup:s3_endpoint   # pgBackRest's repo1-s3-endpoint
      # One server with both kinds of backup in one shared bucket: the same key under two
      # paths (a list), e.g. with a bucket whose `rules` expire incremental/ but never
      # pgbackrest/:
      #   buckets:
      #     ocp-db1-backup:
      #       region: eu-west-2
      #       rules:
      #         delete-after-30-days: {prefix: incremental, expire_days: 30}
      #         pgbackrest-uploads: {prefix: pgbackrest, expire_days: null}
      #   users:
      #     db1-backup:
      #       bucket: ocp-db1-backup
      #       region: eu-west-2
      #       pillar_file: private/db1.sls
      #       pillar_keys:
      #         access_key_id: [aws:access_key, postgres:backup:s3_key]
      #         secret_access_key: [aws:secret_key, postgres:backup:s3_key_secret]
      #         region: [aws:region, postgres:backup:s3_region]
