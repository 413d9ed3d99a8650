"""aws_runbook_pillar.problems: the minion's aws_runbook pillar, or a tree given, checked."""

import pytest

from _modules import aws_runbook_pillar


@pytest.fixture
def pillar(monkeypatch):
    def set_pillar(value):
        monkeypatch.setattr(aws_runbook_pillar, "__pillar__", value, raising=False)

    return set_pillar


def test_reads_the_minions_aws_runbook_pillar(pillar):
    pillar({"aws_runbook": {"backup": {"bukets": {}}}, "other": {"anything": 1}})

    assert aws_runbook_pillar.problems() == [
        "aws_runbook:backup:bukets: unknown key; did you mean buckets?"
    ]


def test_no_aws_runbook_pillar_is_no_problem(pillar):
    pillar({"other": {"x": 1}})

    assert aws_runbook_pillar.problems() == []


def test_checks_a_tree_given_instead(pillar):
    pillar({"aws_runbook": {"bakup": {}}})

    assert aws_runbook_pillar.problems({"ses": {"identity": {}}}) == [
        "aws_runbook:ses:identity: unknown key; did you mean identities?"
    ]
