{#- SES identities (domains and email addresses) from pillar aws_runbook:ses:identities:
    a mapping of identity name to ses_identity.present arguments; absent: true removes the
    identity instead (see pillar.example/aws_runbook/ses.sls). #}
{%- from "aws_runbook/map.jinja" import resource, pillar_problems with context %}
include:
  - aws_runbook.pillar
{%- if not pillar_problems %}

{%- for identity, args in salt['pillar.get']('aws_runbook:ses:identities', {}) | dictsort %}
{{ resource('ses_identity', identity, args) }}
{%- endfor %}
{%- endif %}
