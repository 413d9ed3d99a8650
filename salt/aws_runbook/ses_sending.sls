{#- SES sending set-up from pillar aws_runbook:ses_sending (see
    pillar.example/aws_runbook/ses_sending.sls):
    - smtp_users: IAM user name -> ses_smtp_user.present arguments (SMTP credentials
      written into a server's pillar file);
    - configuration_sets: set name -> ses_configuration_set.present arguments;
    - accounts: label -> ses_account.configured arguments (one region each).
    An smtp_users or configuration_sets entry with `absent: true` is removed instead. #}
{%- from "aws_runbook/map.jinja" import resource, state_args, pillar_problems with context %}
include:
  - aws_runbook.pillar
{%- if not pillar_problems %}
{%- set sending = salt['pillar.get']('aws_runbook:ses_sending', {}) %}

{%- for name, args in (sending.get('smtp_users') or {}) | dictsort %}
{{ resource('ses_smtp_user', name, args) }}
{%- endfor %}

{%- for name, args in (sending.get('configuration_sets') or {}) | dictsort %}
{{ resource('ses_configuration_set', name, args) }}
{%- endfor %}

{%- for label, args in (sending.get('accounts') or {}) | dictsort %}
aws-ses_account-{{ label }}:
  ses_account.configured:
    - name: {{ label | json }}
{{- state_args(dict(args or {})) }}
{%- endfor %}
{%- endif %}
