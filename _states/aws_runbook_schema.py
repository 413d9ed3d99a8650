"""The ``aws_runbook`` pillar matches the sections and keys the SLS files read
(``_utils/awsrunbook/pillarschema.py``, shown in the docs' pillar reference).

``salt/aws_runbook/pillar.sls`` renders this state, and only this one, when the pillar has a
problem: the run then makes no AWS call and its one failed state says, one line per problem,
which pillar path is wrong (``aws_runbook:backup:bukets: unknown key; did you mean
buckets?``). In ``test=True`` too.

.. code-block:: yaml

    aws_runbook pillar:
      aws_runbook_schema.matches:
        - name: aws_runbook
"""

from typing import TYPE_CHECKING

from awsrunbook import pillarschema as schema

__virtualname__ = "aws_runbook_schema"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __pillar__


def __virtual__():
    return __virtualname__


def matches(name, **kwargs):
    """Ensure the pillar tree ``name`` (``aws_runbook``, the only one with a schema) matches
    the schema; fails with one line per problem, each naming the pillar path.

    name
        ``aws_runbook``.
    """
    ret = {"name": name, "changes": {}, "result": True, "comment": ""}
    unknown = sorted(k for k in kwargs if not k.startswith("__"))
    if unknown:
        problems = [f"{', '.join(unknown)}: unknown argument(s) for aws_runbook_schema.matches"]
    elif name != schema.ROOT:
        problems = [f"name: only {schema.ROOT} has a schema (got {name!r})"]
    else:
        problems = schema.validate(__pillar__.get(name))
    ret["result"] = not problems
    ret["comment"] = "\n".join(problems) or f"pillar {name} matches the schema"
    return ret
