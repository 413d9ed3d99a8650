# Pillar top file. Two kinds of minion:
# - the node that applies the AWS states (a management minion, often the master itself, or a
#   masterless `salt-call --local`): it gets the aws_runbook pillar, which says what AWS should
#   have, and writes the credentials it creates into pillar/private/<server>.sls;
# - each server: it gets its private pillar, and reads aws:access_key, smtp:password, ...
base:
  'aws-admin':
    - aws_runbook.connection
    - aws_runbook.backup
    - aws_runbook.ses
    - aws_runbook.ses_sending
    - aws_runbook.databases
  'redmine':
    - private.redmine
  'kingfisher':
    - private.kingfisher
