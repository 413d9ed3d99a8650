{#- SES sending set-up from pillar aws_runbook:ses_sending (see
    pillar.example/aws_runbook/ses_sending.sls):
    - smtp_users: IAM user name -> ses_smtp_user.present arguments (SMTP credentials
      written into a server's pillar file);
    - configuration_sets: set name -> ses_configuration_set.present arguments;
    - accounts: label -> ses_account.configured arguments (one region each).
    An smtp_users or configuration_sets entry with `absent: true` is removed instead; only the
    arguments .absent takes are passed to it. #}
{%- from "aws/map.jinja" import state_args with context %}
{%- set sending = salt['pillar.get']('aws_runbook:ses_sending', {}) %}
{%- set absent_takes = {
      'ses_smtp_user': ['policy_name', 'pillar_file', 'pillar_keys', 'regions'],
      'ses_configuration_set': ['region'],
    } %}

{%- for state, entries in [('ses_smtp_user', sending.get('smtp_users') or {}),
                           ('ses_configuration_set', sending.get('configuration_sets') or {})] %}
{%- for name, args in entries | dictsort %}
{%- set args = dict(args or {}) %}
{%- set absent = args.pop('absent', False) %}
{%- if absent %}
{%- set kept = {} %}
{%- for key in absent_takes[state] if key in args %}
{%- do kept.update({key: args[key]}) %}
{%- endfor %}
{%- set args = kept %}
{%- endif %}
aws-{{ state }}-{{ name }}:
  {{ state }}.{{ 'absent' if absent else 'present' }}:
    - name: {{ name | json }}
{{- state_args(args) }}
{%- endfor %}
{%- endfor %}

{%- for label, args in (sending.get('accounts') or {}) | dictsort %}
aws-ses_account-{{ label }}:
  ses_account.configured:
    - name: {{ label | json }}
{{- state_args(dict(args or {})) }}
{%- endfor %}
