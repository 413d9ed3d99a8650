{#- The pillar check's report, included by every aws_runbook SLS file: nothing when the
    aws_runbook pillar matches its schema; otherwise the one state of the run, failing with
    a line per problem (see map.jinja for why a state and not a render error). #}
{%- from "aws_runbook/map.jinja" import pillar_problems with context %}
{%- if pillar_problems %}
aws_runbook pillar:
  aws_runbook_schema.matches:
    - name: aws_runbook
{%- endif %}
