"""What salt/aws_runbook/*.sls and map.jinja read of the aws_runbook pillar, found in their
text, is what the schema (and so the docs' pillar reference) has, and nothing more: sections,
groups of entries, the state each group's entries are arguments of, the keys map.jinja reads
itself, and the connection keys. That each group's other keys are its state's arguments is
tests/unit/utils/test_awsrunbook_pillarschema.py's part."""

import re

import pytest
from awsrunbook import pillarschema as schema

from tests.conftest import REPO

SLS_DIR = REPO / "salt" / "aws_runbook"
PILLAR_GET = re.compile(r"salt\['pillar\.get'\]\('aws_runbook:([\w:]+)'")
SECTION_VARIABLE = re.compile(r"set (\w+) = salt\['pillar\.get'\]\('aws_runbook:(\w+)'")
VARIABLE_GET = re.compile(r"\b(\w+)\.get\('(\w+)'\)")
ENTRY_GET = re.compile(r"\(args or \{\}\)\.get\('(\w+)'\)")
# A state named in the text: resource('STATE', ...), ('STATE', section.get(...)), STATE.configured:
STATE = re.compile(r"resource\('(\w+)'|\('(\w+)', \w+\.get\(|^\s+(\w+)\.(configured):", re.M)


def _groups_read(text):
    """``section:group`` paths in the order the text reads them."""
    variables = dict(SECTION_VARIABLE.findall(text))
    found = []
    for match in re.finditer(
        rf"{PILLAR_GET.pattern}|{VARIABLE_GET.pattern}", text, flags=re.MULTILINE
    ):
        path, variable, key = match.groups()
        if path and path.count(":") == 1:
            found.append(path)
        elif variable in variables:
            found.append(f"{variables[variable]}:{key}")
    return found


def _states_named(text):
    return [
        (resource or paired or configured, "configured" if configured else "present")
        for resource, paired, configured, _fun in STATE.findall(text)
    ]


def _sls_files():
    return sorted(p for p in SLS_DIR.glob("*.sls") if p.stem not in ("init", "pillar"))


def _schema_groups():
    return {
        f"{section}:{name}": group
        for section, value in schema.SECTIONS.items()
        for name, group in value.get("groups", {}).items()
    }


@pytest.mark.parametrize("path", _sls_files(), ids=lambda p: p.name)
def test_each_group_an_sls_file_reads_is_in_the_schema_with_its_state(path):
    text = path.read_text()
    groups = _groups_read(text)
    states = _states_named(text)

    assert groups and len(groups) == len(states), (groups, states)
    for group_path, (state, function) in zip(groups, states, strict=True):
        group = _schema_groups()[group_path]
        assert group["state"] == state, group_path
        assert (function == "configured") == (group["functions"] == ("configured",))
    for key in ENTRY_GET.findall(text):
        assert any(key in _schema_groups()[g]["keys"] for g in groups), key


def test_the_sls_files_read_every_section_and_group_of_the_schema_and_no_other():
    texts = [p.read_text() for p in [*_sls_files(), SLS_DIR / "map.jinja"]]
    groups = [g for text in texts for g in _groups_read(text)]
    sections = {
        path.split(":")[0]
        for text in texts
        for path in [*PILLAR_GET.findall(text), *dict(SECTION_VARIABLE.findall(text)).values()]
    }

    assert sorted(groups) == sorted(_schema_groups())
    assert sections == set(schema.SECTIONS)


def test_map_jinja_reads_the_entry_keys_and_passes_the_connection_keys_of_the_schema():
    text = (SLS_DIR / "map.jinja").read_text()
    popped = set(re.findall(r"args\.pop\('(\w+)'", text))
    connection = re.search(r"set connection_args = \[([^\]]*)\]", text).group(1)

    assert popped == set(schema.ENTRY_KEYS)
    assert re.findall(r"'(\w+)'", connection) == list(schema.CONNECTION)
    assert "salt['pillar.get']('aws_runbook:connection'" in text


def test_every_sls_file_checks_the_pillar_before_rendering_a_state():
    for path in _sls_files():
        text = path.read_text()
        assert "import" in text and "pillar_problems" in text.split("\n{%- if not")[0], path
        assert "  - aws_runbook.pillar\n{%- if not pillar_problems %}" in text, path
        assert text.rstrip().endswith("{%- endif %}"), path
