{#- Databases and their network from pillar aws_runbook:databases (see
    pillar.example/aws_runbook/databases.sls):
    - vpcs: Name -> ec2_vpc.present arguments;
    - security_groups: label -> ec2_security_group.present arguments (`name` defaults to
      the label, so two groups of the same name in two VPCs can have two labels);
    - instances: DB instance identifier -> rds_postgres.present arguments;
    - clusters: DB cluster identifier -> rds_aurora_postgres.present arguments.
    Order: network, then security groups, then databases (each requires what came before).
    An entry with `absent: true` is removed instead, after everything else and in the
    reverse order (databases, then groups, then networks). #}
{%- from "aws_runbook/map.jinja" import resource, pillar_problems with context %}
include:
  - aws_runbook.pillar
{%- if not pillar_problems %}
{%- set databases = salt['pillar.get']('aws_runbook:databases', {}) %}
{%- set kinds = [
      ('ec2_vpc', databases.get('vpcs') or {}),
      ('ec2_security_group', databases.get('security_groups') or {}),
      ('rds_postgres', databases.get('instances') or {}),
      ('rds_aurora_postgres', databases.get('clusters') or {}),
    ] %}
{%- set required = [] %}

{%- for state, entries in kinds %}
{%- set this_kind = [] %}
{%- for label, args in entries | dictsort if not (args or {}).get('absent') %}
{{ resource(state, label, args, require=required) }}
{%- do this_kind.append(state ~ ': aws-' ~ state ~ '-' ~ label) %}
{%- endfor %}
{%- do required.extend(this_kind) %}
{%- endfor %}

{%- for state, entries in kinds | reverse %}
{%- for label, args in entries | dictsort if (args or {}).get('absent') %}
{{ resource(state, label, args) }}
{%- endfor %}
{%- endfor %}
{%- endif %}
