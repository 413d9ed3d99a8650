{#- Everything the aws_runbook pillar declares: `salt-call state.apply aws_runbook`. #}
include:
  - aws_runbook.backup
  - aws_runbook.ses
  - aws_runbook.ses_sending
  - aws_runbook.databases
