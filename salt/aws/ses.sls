{#- SES identities (domains and email addresses) from pillar aws_runbook:ses:identities:
    a mapping of identity name to ses_identity.present arguments; absent: true removes the
    identity instead (see pillar.example/aws_runbook/ses.sls). #}
{%- from "aws/map.jinja" import state_args with context %}
{%- set ses = salt['pillar.get']('aws_runbook:ses', {}) %}

{%- for identity, args in ses.get('identities', {}) | dictsort %}
{%- set args = dict(args or {}) %}
{%- set absent = args.pop('absent', False) %}
aws-ses-identity-{{ identity }}:
  ses_identity.{{ 'absent' if absent else 'present' }}:
    - name: {{ identity | json }}
{{- state_args({} if absent else args) }}
{%- endfor %}
