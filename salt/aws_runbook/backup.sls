{#- Backup buckets and backup users, from pillar aws_runbook:backup (see pillar.example).
    An entry with `absent: true` is removed instead. #}
{%- from "aws_runbook/map.jinja" import resource, pillar_problems with context %}
include:
  - aws_runbook.pillar
{%- if not pillar_problems %}
{%- set backup = salt['pillar.get']('aws_runbook:backup', {}) %}
{%- set buckets = backup.get('buckets') or {} %}

{%- for name, args in buckets | dictsort %}
{{ resource('s3_backup_bucket', name, args) }}
{%- endfor %}

{%- for name, args in (backup.get('users') or {}) | dictsort %}
{%- set bucket = (args or {}).get('bucket') %}
{{ resource('iam_backup_user', name, args,
            require=['s3_backup_bucket: aws-s3_backup_bucket-' ~ bucket] if bucket in buckets else []) }}
{%- endfor %}
{%- endif %}
