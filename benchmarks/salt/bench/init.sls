{#- The benchmark's resources, through the formula's own SLS files: aws_runbook.backup
    (buckets and users from pillar aws_runbook:backup) and, when the harness declares SES
    identities, aws_runbook.ses (pillar aws_runbook:ses:identities). #}
include:
  - aws_runbook.backup
{%- if salt['pillar.get']('aws_runbook:ses:identities') %}
  - aws_runbook.ses
{%- endif %}
