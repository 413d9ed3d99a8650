{#- Databases and their network from pillar aws_runbook:databases (see
    pillar.example/aws_runbook/databases.sls):
    - vpcs: Name -> ec2_vpc.present arguments;
    - security_groups: label -> ec2_security_group.present arguments (`name` defaults to
      the label, so two groups of the same name in two VPCs can have two labels);
    - instances: DB instance identifier -> rds_postgres.present arguments;
    - clusters: DB cluster identifier -> rds_aurora_postgres.present arguments.
    Order: network, then security groups, then databases (each requires what came before).
    An entry with `absent: true` is removed instead, after everything else and in the
    reverse order (databases, then groups, then networks); only the arguments .absent takes
    are passed to it. #}
{%- from "aws/map.jinja" import state_args with context %}
{%- set databases = salt['pillar.get']('aws_runbook:databases', {}) %}
{%- set kinds = [
      ('ec2_vpc', databases.get('vpcs') or {}),
      ('ec2_security_group', databases.get('security_groups') or {}),
      ('rds_postgres', databases.get('instances') or {}),
      ('rds_aurora_postgres', databases.get('clusters') or {}),
    ] %}
{%- set absent_takes = {
      'ec2_vpc': [],
      'ec2_security_group': ['vpc'],
      'rds_postgres': ['final_snapshot', 'skip_final_snapshot', 'pillar_file', 'pillar_keys'],
      'rds_aurora_postgres': ['final_snapshot', 'skip_final_snapshot', 'pillar_file', 'pillar_keys'],
    } %}
{%- set required = [] %}

{%- for state, entries in kinds %}
{%- set this_kind = [] %}
{%- for label, args in entries | dictsort if not (args or {}).get('absent') %}
{%- set args = dict(args or {}) %}
aws-{{ state }}-{{ label }}:
  {{ state }}.present:
    - name: {{ args.pop('name', label) | json }}
{{- state_args(args) }}
{%- if required %}
    - require:
{%- for kind, id in required %}
      - {{ kind }}: {{ id }}
{%- endfor %}
{%- endif %}
{%- do this_kind.append((state, 'aws-' ~ state ~ '-' ~ label)) %}
{%- endfor %}
{%- do required.extend(this_kind) %}
{%- endfor %}

{%- for state, entries in kinds | reverse %}
{%- for label, args in entries | dictsort if (args or {}).get('absent') %}
{%- set args = dict(args) %}
{%- set kept = {} %}
{%- for key in absent_takes[state] if key in args %}
{%- do kept.update({key: args[key]}) %}
{%- endfor %}
aws-{{ state }}-{{ label }}:
  {{ state }}.absent:
    - name: {{ args.get('name', label) | json }}
{{- state_args(kept) }}
{%- endfor %}
{%- endfor %}
