"""Plans as plain data: steps, references to what a step returns, and the ``changes`` a plan
stands for."""

from awsrunbook import plans


def test_a_step_carries_its_call_its_arguments_and_what_changes_shows():
    item = plans.step("encryption", None, {"SSEAlgorithm": "AES256"}, "aws_s3.put", bucket="b")
    assert item["aws"] is True and item["call"] == "aws_s3.put"
    assert item["kwargs"] == {"bucket": "b"}
    assert (item["save"], item["undo"], item["closes"], item["one_line"]) == (None, None, (), False)
    local = plans.local_step("pillar", None, "written", "pillar_file.set", path="/p.sls")
    assert local["aws"] is False and local["kwargs"] == {"path": "/p.sls"}


def test_a_ref_shows_a_placeholder_until_it_resolves_through_its_function():
    ref = plans.Ref("key", lambda made: made["id"], shown="(a new key)")
    assert repr(ref) == "(a new key)"
    assert ref.resolve({"key": {"id": "AKIA1"}}) == "AKIA1"
    assert plans.Ref("key").resolve({"key": 3}) == 3


def test_refs_resolve_inside_lists_and_mappings_or_show_themselves_in_test_mode():
    value = {"ids": [plans.Ref("key", lambda made: made["id"], shown="(new)"), "OLD"]}
    assert plans.resolved(value, {"key": {"id": "AKIA1"}}) == {"ids": ["AKIA1", "OLD"]}
    assert plans.resolved(value, None) == {"ids": ["(new)", "OLD"]}


def test_changes_take_the_first_old_and_the_last_new_of_a_field():
    steps = [
        plans.step("rules", ["a"], ["a", "b"], "aws_s3.put"),
        plans.step("rules", ["a", "b"], ["b"], "aws_s3.put"),
        plans.step("key", None, "rotated, written to /p.sls", "x.y", one_line=True),
    ]
    assert plans.changes_of(steps) == {
        "rules": {"old": ["a"], "new": ["b"]},
        "key": "rotated, written to /p.sls",
    }
