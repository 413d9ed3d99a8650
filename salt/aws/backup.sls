{#- Backup buckets and backup users, from pillar aws_runbook:backup (see pillar.example). #}
{%- from "aws/map.jinja" import state_args with context %}
{%- set backup = salt['pillar.get']('aws_runbook:backup', {}) %}

{%- for bucket, args in backup.get('buckets', {}) | dictsort %}
{%- set args = args or {} %}
aws-backup-bucket-{{ bucket }}:
  s3_backup_bucket.{{ 'absent' if args.pop('absent', False) else 'present' }}:
    - name: {{ bucket }}
{{- state_args(args) }}
{%- endfor %}

{%- for user, args in backup.get('users', {}) | dictsort %}
{%- set args = args or {} %}
aws-backup-user-{{ user }}:
  iam_backup_user.{{ 'absent' if args.pop('absent', False) else 'present' }}:
    - name: {{ user }}
{{- state_args(args) }}
{%- if args.get('bucket') in backup.get('buckets', {}) %}
    - require:
      - s3_backup_bucket: aws-backup-bucket-{{ args['bucket'] }}
{%- endif %}
{%- endfor %}
