aws_runbook:
  # Connection arguments passed to every AWS state (all optional). Without them boto3's own
  # chain applies: environment (AWS_ACCESS_KEY_ID, AWS_REGION, AWS_ENDPOINT_URL, ...),
  # ~/.aws/config and credentials, or the instance role.
  connection:
    region: us-east-1          # the runbook's default region
    # profile: backups         # an AWS CLI profile name, or a mapping of the keys below
    # keyid: AKIA...
    # key: ...
    # role_arn: arn:aws:iam::123456789012:role/salt-aws-runbook
