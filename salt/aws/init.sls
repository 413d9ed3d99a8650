{#- Everything the aws_runbook pillar declares: `salt-call state.apply aws`. #}
include:
  - aws.backup
  - aws.ses
  - aws.ses_sending
  - aws.databases
