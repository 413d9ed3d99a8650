"""aws_runbook_schema.matches: fails with a line per problem, in test mode too."""

import pytest

from _states import aws_runbook_schema


@pytest.fixture
def loader(monkeypatch):
    def inject(pillar, test=False):
        monkeypatch.setattr(aws_runbook_schema, "__pillar__", pillar, raising=False)
        monkeypatch.setattr(aws_runbook_schema, "__opts__", {"test": test}, raising=False)

    return inject


@pytest.mark.parametrize("test", [False, True])
def test_a_pillar_with_problems_fails_with_one_line_each(loader, test):
    loader({"aws_runbook": {"backup": {"bukets": {}}, "ses": []}}, test)

    ret = aws_runbook_schema.matches("aws_runbook")

    assert ret == {
        "name": "aws_runbook",
        "changes": {},
        "result": False,
        "comment": "aws_runbook:backup:bukets: unknown key; did you mean buckets?\n"
        "aws_runbook:ses: must be a mapping, not a list",
    }


@pytest.mark.parametrize("pillar", [{"aws_runbook": {"backup": {"buckets": {}}}}, {}])
def test_a_pillar_that_matches_passes_without_changes(loader, pillar):
    loader(pillar)

    ret = aws_runbook_schema.matches("aws_runbook")

    assert (ret["result"], ret["changes"]) == (True, {})
    assert ret["comment"] == "pillar aws_runbook matches the schema"


def test_only_aws_runbook_has_a_schema_and_other_arguments_are_refused(loader):
    loader({"aws": {"x": 1}})

    assert aws_runbook_schema.matches("aws")["comment"] == (
        "name: only aws_runbook has a schema (got 'aws')"
    )
    ret = aws_runbook_schema.matches("aws_runbook", strict=True, __id__="x")
    assert (ret["result"], ret["comment"]) == (
        False,
        "strict: unknown argument(s) for aws_runbook_schema.matches",
    )
