"""``salt_aws_runbook.pillar_check``: the one line saying why an apply would run no state.
``read_pillar`` (Salt's pillar compilation) runs through the real command in
tests/integration/test_workstation.py."""

import pathlib
import re

from salt_aws_runbook import pillar_check
from salt_aws_runbook.pillar_check import PillarView
from tests.conftest import REPO

TOP = pathlib.Path("/p/top.sls")
KNOWN = frozenset({"backup", "ses", "ses_sending", "databases"})


def _view(**changes):
    view = PillarView(
        top_file=TOP,
        top_file_exists=True,
        targets=("aws-admin", "redmine"),
        matched_sls=("aws_runbook.backup",),
        keys=frozenset({"aws_runbook"}),
        sections=frozenset({"connection", "backup"}),
        has_errors=False,
    )
    return PillarView(**{**view.__dict__, **changes})


def test_a_pillar_with_a_section_to_apply_is_let_through():
    assert pillar_check.no_state_reason(_view(), "aws-admin", KNOWN) is None
    assert pillar_check.no_state_reason(_view(), "aws-admin", None) is None


def test_no_top_file():
    view = _view(top_file_exists=False, targets=(), matched_sls=(), keys=frozenset())
    assert pillar_check.no_state_reason(view, "aws-admin", KNOWN) == (
        "no pillar for minion id 'aws-admin': the top file /p/top.sls does not exist "
        "(`aws-runbook init PATH` writes an example pillar tree)"
    )


def test_a_top_file_without_targets():
    view = _view(targets=(), matched_sls=(), keys=frozenset())
    assert pillar_check.no_state_reason(view, "aws-admin", KNOWN) == (
        "no pillar for minion id 'aws-admin': the top file /p/top.sls has no target"
    )


def test_an_id_the_top_file_does_not_match_is_named_with_the_targets_it_knows():
    view = _view(matched_sls=(), keys=frozenset())
    assert pillar_check.no_state_reason(view, "mylaptop", KNOWN) == (
        "no pillar for minion id 'mylaptop': no target in the top file /p/top.sls matches it "
        "(its targets: aws-admin, redmine); pass --id, or add the id to the top file"
    )


def test_a_pillar_without_aws_runbook():
    view = _view(matched_sls=("private.redmine",), keys=frozenset({"aws", "smtp"}), sections=None)
    assert pillar_check.no_state_reason(view, "redmine", KNOWN) == (
        "the pillar of minion id 'redmine' has no aws_runbook key (its keys: aws, smtp; "
        "from private.redmine in /p/top.sls): nothing to apply"
    )
    empty = _view(matched_sls=("empty",), keys=frozenset(), sections=None)
    assert "(it is empty; from empty in /p/top.sls)" in pillar_check.no_state_reason(
        empty, "redmine", KNOWN
    )


def test_an_aws_runbook_pillar_without_the_sections_applied():
    view = _view(sections=frozenset({"connection"}))
    assert pillar_check.no_state_reason(view, "aws-admin", frozenset({"ses", "backup"})) == (
        "the aws_runbook pillar of minion id 'aws-admin' has none of the sections the SLS "
        "applies (backup, ses); it has: connection"
    )
    # An --sls outside the tree: salt-call says so itself.
    assert pillar_check.no_state_reason(view, "aws-admin", None) is None


def test_a_pillar_that_failed_to_render_is_left_to_salt_call():
    for view in (_view(has_errors=True, matched_sls=()), _view(has_errors=True, sections=None)):
        assert pillar_check.no_state_reason(view, "aws-admin", KNOWN) is None


def test_sections_applied_by_an_sls_value():
    assert pillar_check.sections_applied("aws_runbook", KNOWN) == KNOWN
    assert pillar_check.sections_applied("aws_runbook.ses", KNOWN) == {"ses"}
    assert pillar_check.sections_applied("aws_runbook.ses, aws_runbook.backup", KNOWN) == {
        "ses",
        "backup",
    }
    assert pillar_check.sections_applied("aws_runbook.nothing", KNOWN) is None
    assert pillar_check.sections_applied("other", KNOWN) is None


def test_each_sls_of_the_tree_applies_the_pillar_section_of_its_name():
    # What known_sections assumes: aws_runbook/<section>.sls reads aws_runbook:<section>.
    known = pillar_check.known_sections()
    assert known == KNOWN
    for section in known:
        text = (REPO / "salt" / "aws_runbook" / f"{section}.sls").read_text()
        assert re.search(rf"aws_runbook:{section}\b", text), section
