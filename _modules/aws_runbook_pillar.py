"""The ``aws_runbook`` pillar checked against the sections and keys our SLS files read
(``_utils/awsrunbook/pillarschema.py``; the docs' pillar reference shows the same schema).

``salt/aws_runbook/map.jinja`` calls ``problems`` before any state is rendered: with a
problem, the SLS files render no AWS state, only ``aws_runbook_schema.matches``, which fails
with one line per problem.
"""

from typing import TYPE_CHECKING

from awsrunbook import pillarschema as schema

__virtualname__ = "aws_runbook_pillar"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __pillar__


def __virtual__():
    return __virtualname__


def problems(tree=None):
    """One line per problem of ``tree`` (default: this minion's ``aws_runbook`` pillar), each
    naming the pillar path: an unknown section or key with the closest known name, a value of
    the wrong type, a ``..`` in a relative ``pillar_file``. ``[]``: nothing wrong.

    CLI example::

        salt-call aws_runbook_pillar.problems
    """
    if tree is None:
        tree = __pillar__.get(schema.ROOT)
    return schema.validate(tree)
