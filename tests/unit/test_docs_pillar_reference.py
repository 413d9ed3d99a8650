"""The pillar reference page (docs/_ext/pillar_reference.py): every section, group and key of
the schema the SLS files check, with its type, default and meaning. The Sphinx build itself
(warnings as errors) runs in CI: scripts/docs."""

import importlib.util
import re

from awsrunbook import pillarschema as schema

from tests.conftest import REPO

_spec = importlib.util.spec_from_file_location(
    "pillar_reference", REPO / "docs" / "_ext" / "pillar_reference.py"
)
reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)

ROWS = re.compile(r"   \* - ``(\w+)``\n     - (.*)\n     - (.*)\n     - (.*)\n")


def _tables_by_heading(text):
    """``{heading: {key: (type, default, meaning)}}`` for each table under a heading."""
    tables = {}
    for block in re.split(r"\n(?=aws_runbook:[\w:]+\n[-~]+\n)", text):
        heading = block.split("\n", 1)[0]
        tables[heading] = {m[0]: m[1:] for m in ROWS.findall(block)}
    return tables


def test_every_key_of_the_schema_is_documented_with_its_type_default_and_meaning():
    tables = _tables_by_heading("\n".join(reference.reference_lines()))

    for section, value in schema.SECTIONS.items():
        path = f"aws_runbook:{section}"
        assert path in tables
        for key, spec in value.get("keys", {}).items():
            assert tables[path][key] == (
                " or ".join(spec["types"]),
                reference._default(spec),
                spec["meaning"],
            )
        for name, group in value.get("groups", {}).items():
            documented = tables[f"{path}:{name}"]
            own = {k for k in group["keys"] if k not in schema.CONNECTION}
            assert set(documented) == own, f"{path}:{name}"


def test_a_group_links_its_state_and_says_what_its_entries_are():
    text = "\n".join(reference.reference_lines())

    assert (
        "IAM backup users. Each entry's key is the IAM user name; its value is a mapping of "
        "the arguments of ``iam_backup_user.present`` or ``iam_backup_user.absent`` "
        "(:doc:`/reference/states/iam_backup_user`)" in text
    )
    assert "``ses_account.configured`` (:doc:`/reference/states/ses_account`)" in text


def test_defaults_are_shown_as_yaml():
    keys = schema.SECTIONS["databases"]["groups"]["instances"]["keys"]
    shown = {name: reference._default(keys[name]) for name in keys}

    assert shown["security_groups"] == "``[postgresql-anywhere]``"
    assert shown["publicly_accessible"] == "``true``"
    assert shown["allocated_storage"] == "``20``"
    assert shown["db_name"] == "``null``"
    assert shown["name"] == "the entry's key"


def test_the_docs_register_the_extension_and_the_page():
    conf = (REPO / "docs" / "conf.py").read_text()
    assert '"pillar_reference"' in conf
    assert ".. pillar-reference::" in (REPO / "docs" / "pillar.rst").read_text()
