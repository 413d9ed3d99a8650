"""Our SLS tree sits beside an operator's own ``salt/`` tree (which often has an ``aws`` state
of its own): everything of ours is under ``aws_runbook/``, nothing shadows a common name, and
no template still points at the old ``aws/`` tree."""

import re

from tests.conftest import REPO

SALT = REPO / "salt"
COMMON_NAMES = {"aws", "ses", "s3", "iam", "rds", "dns"}
# `aws/...` paths (imports, salt:// URLs) and `aws` or `aws.X` SLS names (include, sls:
# requisites), but not `aws_runbook`, pillar keys (`aws:access_key`) or host names.
OLD_TREE = re.compile(r"(?<![\w.-])aws(/|\.\w|\s*$)", re.MULTILINE)


def test_everything_is_under_aws_runbook():
    # SLS names are file_roots paths: with one top-level folder, aws_runbook, no SLS of ours
    # can be called aws, ses, s3, iam, rds or dns.
    top_level = {p.stem for p in SALT.iterdir()}
    assert top_level == {"aws_runbook"}
    assert not top_level & COMMON_NAMES


def test_no_template_references_the_old_aws_tree():
    files = [p for p in SALT.rglob("*") if p.is_file()]
    assert files
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not OLD_TREE.search(line), f"{path.relative_to(REPO)}:{number}: {line}"
