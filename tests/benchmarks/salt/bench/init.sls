{#- The benchmark's resources, through the formula's own SLS files: aws.backup (buckets and
    users from pillar aws_runbook:backup) and, when the harness declares SES identities,
    aws.ses (pillar aws_runbook:ses:identities). #}
include:
  - aws.backup
{%- if salt['pillar.get']('aws_runbook:ses:identities') %}
  - aws.ses
{%- endif %}
