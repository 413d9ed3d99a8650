{#- Backup buckets and backup users, from pillar aws_runbook:backup (see pillar.example).
    An entry with `absent: true` is removed instead; only the arguments .absent takes are
    passed to it. #}
{%- from "aws/map.jinja" import state_args with context %}
{%- set backup = salt['pillar.get']('aws_runbook:backup', {}) %}
{%- set buckets = backup.get('buckets') or {} %}
{%- set users = backup.get('users') or {} %}
{%- set absent_takes = {
      's3_backup_bucket': ['force', 'region'],
      'iam_backup_user': ['policy_name', 'pillar_file', 'pillar_keys'],
    } %}

{%- for state, entries in [('s3_backup_bucket', buckets), ('iam_backup_user', users)] %}
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
{%- if state == 'iam_backup_user' and not absent and args.get('bucket') in buckets %}
    - require:
      - s3_backup_bucket: aws-s3_backup_bucket-{{ args['bucket'] }}
{%- endif %}
{%- endfor %}
{%- endfor %}
