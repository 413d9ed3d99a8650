"""Every state's docstring carries a YAML example: apply it as written (pillar paths under
/srv/pillar moved to a temporary directory), then again to see it converged."""

import ast
import pathlib
import textwrap

import boto3
import pytest

from tests.conftest import REPO
from tests.support import moto_rds_patches, moto_ses_patches, moto_sesv2_patches

STATE_FILES = sorted(p for p in (REPO / "_states").glob("*.py") if not p.name.startswith("_"))


def yaml_example(path):
    doc = ast.get_docstring(ast.parse(path.read_text()), clean=False)
    lines = doc.split(".. code-block:: yaml", 1)[1].split("\n")[1:]
    block = []
    for line in lines:
        if line.strip() and not line.startswith("    "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


@pytest.fixture(autouse=True)
def _moto_as_documented(aws):
    moto_ses_patches.apply()
    moto_sesv2_patches.apply()
    moto_rds_patches.apply()


@pytest.fixture(autouse=True)
def _operators_zone(aws):
    """The examples publish DNS records into the operator's zone, which exists already."""
    boto3.client("route53").create_hosted_zone(Name="example.org", CallerReference="examples")


@pytest.mark.parametrize("path", STATE_FILES, ids=lambda p: p.stem)
def test_docstring_example_applies_and_converges(modules, tmp_path, path: pathlib.Path):
    sls = yaml_example(path).replace("/srv/pillar", str(tmp_path))
    assert sls.strip(), f"{path.name} has no YAML example"
    first = modules.state.template_str(sls)
    assert not first.failed, [(r.name, r.comment) for r in first if r.result is False]
    second = modules.state.template_str(sls)
    assert not second.failed
    assert [r.changes for r in second] == [{} for _ in second], [r.changes for r in second]
