"""The ``pillar-reference`` directive: every section and key of the ``aws_runbook:`` pillar
(type, default, meaning), written from ``awsrunbook.pillarschema.SECTIONS``, the schema the
SLS files check the pillar against, so the page and the check cannot drift apart.

``reference_lines`` is pure (no Sphinx) so the unit tests can read what the page says; Sphinx
is imported in ``setup`` only.
"""

from awsrunbook import pillarschema as schema

_UNDERLINES = "-~"


def _heading(text: str, level: int) -> list[str]:
    return [text, _UNDERLINES[level] * len(text), ""]


def _default(key: dict) -> str:
    if "default_text" in key:
        return key["default_text"]
    value = key["default"]
    if value is None:
        return "``null``"
    if isinstance(value, bool):
        return f"``{str(value).lower()}``"
    if isinstance(value, list):
        return f"``[{', '.join(value)}]``"
    return f"``{value}``"


def _table(keys: dict) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 20 15 15 50", ""]
    lines += ["   * - key", "     - type", "     - default", "     - meaning"]
    for name, key in keys.items():
        lines += [
            f"   * - ``{name}``",
            f"     - {' or '.join(key['types'])}",
            f"     - {_default(key)}",
            f"     - {key['meaning']}",
        ]
    return [*lines, ""]


def _group(path: str, group: dict) -> list[str]:
    state = group["state"]
    functions = " or ".join(f"``{state}.{function}``" for function in group["functions"])
    own = {k: v for k, v in group["keys"].items() if k not in schema.CONNECTION}
    return [
        *_heading(path, 1),
        f"{group['meaning']} Each entry's key is the {group['entry']}; its value is a mapping "
        f"of the arguments of {functions} (:doc:`/reference/states/{state}`), or empty. The "
        "connection keys (``region``, ``profile``, ``keyid``, ``key``, ``role_arn``) may be "
        f"given too, for this entry only, over ``{schema.ROOT}:connection``.",
        "",
        *_table(own),
    ]


def reference_lines(sections: dict = schema.SECTIONS) -> list[str]:
    """The reference as reStructuredText lines: a heading per section, a table of its keys
    (``connection``) or a heading and a table per group of entries."""
    lines = []
    for name, section in sections.items():
        path = f"{schema.ROOT}:{name}"
        lines += [*_heading(path, 0), section["meaning"], ""]
        if "keys" in section:
            lines += _table(section["keys"])
            continue
        for group_name, group in section["groups"].items():
            lines += _group(f"{path}:{group_name}", group)
    return lines


def setup(app):
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective
    from sphinx.util.nodes import nested_parse_with_titles

    class PillarReference(SphinxDirective):
        """``.. pillar-reference::``: the generated reference, in place."""

        def run(self):
            container = nodes.section()
            container.document = self.state.document
            text = StringList(reference_lines(), source="awsrunbook.pillarschema.SECTIONS")
            nested_parse_with_titles(self.state, text, container)
            return container.children

    app.add_directive("pillar-reference", PillarReference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
