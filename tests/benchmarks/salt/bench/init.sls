{#- The benchmark's resources: the formula's own aws.backup (buckets and users from pillar
    aws_runbook:backup), plus SES identities when the harness enables them. #}
include:
  - aws.backup
