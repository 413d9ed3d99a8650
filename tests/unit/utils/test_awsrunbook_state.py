"""The one apply engine: test mode, results handed on, undo on failure, comments."""

import pytest
from awsrunbook import plans
from awsrunbook import state as st
from awsrunbook.secrets import Secret
from salt.exceptions import CommandExecutionError


class Funcs(dict):
    """Execution functions that record their calls; a name in ``failing`` raises."""

    def __init__(self, failing=()):
        super().__init__()
        self.calls = []
        self.failing = failing
        for name in ("aws.create", "aws.delete", "pillar.write", "aws.other"):
            self[name] = self._recorder(name)

    def _recorder(self, name):
        def call(**kwargs):
            self.calls.append((name, kwargs))
            if name in self.failing:
                raise CommandExecutionError(f"{name} broke")
            return {"id": "NEW1", "secret": Secret("s3cr3t")} if name == "aws.create" else True

        return call


def key_plan():
    new_id = plans.Ref("key", lambda made: made["id"], shown="(a new key)")
    return [
        plans.step(
            "key_id",
            "OLD",
            new_id,
            "aws.create",
            save="key",
            undo=plans.step("the new key was deleted again", None, None, "aws.delete", id=new_id),
            says="new key: {would}made",
            user="u",
        ),
        plans.local_step(
            "secret",
            None,
            "written to /p.sls",
            "pillar.write",
            one_line=True,
            closes=("key",),
            values=plans.Ref("key", lambda made: {"a:secret": made["secret"].value}),
        ),
        plans.step("deleted", ["OLD"], [], "aws.delete", id="OLD"),
    ]


def test_test_mode_reports_the_plan_and_calls_nothing():
    funcs, ret = Funcs(), st.new_ret("u")
    assert st.run_plan(ret, key_plan(), funcs, {"region": "r"}, True, "user u", ["a note"])
    assert funcs.calls == []
    assert ret["result"] is None
    assert ret["changes"] == {
        "key_id": {"old": "OLD", "new": "(a new key)"},
        "secret": "written to /p.sls",
        "deleted": {"old": ["OLD"], "new": []},
    }
    assert ret["comment"] == (
        "user u would be changed: key_id, secret, deleted\nnew key: would be made\na note"
    )


def test_results_are_handed_on_and_aws_steps_get_the_connection():
    funcs, ret = Funcs(), st.new_ret("u")
    assert st.run_plan(ret, key_plan(), funcs, {"region": "r"}, False, "user u")
    assert funcs.calls == [
        ("aws.create", {"user": "u", "region": "r"}),
        ("pillar.write", {"values": {"a:secret": "s3cr3t"}}),
        ("aws.delete", {"id": "OLD", "region": "r"}),
    ]
    assert ret["changes"]["key_id"] == {"old": "OLD", "new": "NEW1"}
    assert ret["comment"] == "user u changed: key_id, secret, deleted\nnew key: made"
    assert "s3cr3t" not in repr(ret)


def test_a_failed_write_undoes_the_create_and_says_so():
    funcs, ret = Funcs(failing=("pillar.write",)), st.new_ret("u")
    assert not st.run_plan(ret, key_plan(), funcs, {}, False, "user u")
    assert funcs.calls[-1] == ("aws.delete", {"id": "NEW1"})
    assert ret["result"] is False
    assert ret["changes"] == {}
    assert "secret failed: pillar.write broke" in ret["comment"]
    assert "the new key was deleted again" in ret["comment"]
    assert "Done before this: nothing." in ret["comment"]


def test_after_the_write_closes_it_nothing_is_undone():
    funcs, ret = Funcs(failing=("aws.delete",)), st.new_ret("u")
    assert not st.run_plan(ret, key_plan(), funcs, {}, False, "user u")
    assert [name for name, _ in funcs.calls] == ["aws.create", "pillar.write", "aws.delete"]
    assert ret["changes"]["key_id"] == {"old": "OLD", "new": "NEW1"}
    assert "Done before this: key_id, secret." in ret["comment"]


def test_a_failed_undo_is_reported_for_a_human():
    funcs, ret = Funcs(failing=("pillar.write", "aws.delete")), st.new_ret("u")
    st.run_plan(ret, key_plan(), funcs, {}, False, "user u")
    assert "Could not undo the new key was deleted again (key): aws.delete broke" in ret["comment"]


@pytest.mark.parametrize(
    ("converged", "said"), [(None, "is in the desired state"), (st.ABSENT, "is already absent")]
)
def test_nothing_to_do(converged, said):
    ret = st.new_ret("u")
    kwargs = {"converged": converged} if converged else {}
    assert st.run_plan(ret, [], Funcs(), {}, False, "user u", ["note"], **kwargs)
    assert ret["comment"] == f"user u {said}\nnote" and ret["changes"] == {}


def test_secrets_mask_themselves():
    secret = Secret("hunter2")
    assert "hunter2" not in f"{secret} {secret!r} {[secret]}"
    with pytest.raises(TypeError):
        __import__("pickle").dumps(secret)


def test_test_mode_refuses_a_step_calling_a_function_that_does_not_exist():
    funcs, ret = Funcs(), st.new_ret("u")
    plan = [plans.step("key_id", "OLD", "NEW", "aws.craete", user="u")]
    with pytest.raises(CommandExecutionError, match=r"key_id: no execution function aws.craete"):
        st.run_plan(ret, plan, funcs, {"region": "r"}, True, "user u")
    assert funcs.calls == []


def test_test_mode_refuses_arguments_the_function_does_not_take():
    def create(user, region=None):
        return user

    funcs, ret = {"aws.create": create, "aws.delete": lambda id: id}, st.new_ret("u")
    with pytest.raises(CommandExecutionError, match=r"key_id: aws.create does not take"):
        st.run_plan(
            ret, [plans.step("key_id", None, "K", "aws.create", usr="u")], funcs, {}, True, "u"
        )
    # With the connection arguments a step that talks to AWS gets, and its undo step's.
    fine = plans.step("key_id", None, "K", "aws.create", user="u")
    assert st.run_plan(ret, [fine], funcs, {"region": "r"}, True, "user u")
    with pytest.raises(CommandExecutionError, match=r"aws.create does not take"):
        st.run_plan(ret, [fine], funcs, {"profile": "p"}, True, "user u")
    undo = plans.step("undone", None, None, "aws.delete", key=plans.Ref("key"))
    broken = plans.step("key_id", None, "K", "aws.create", save="key", undo=undo, user="u")
    with pytest.raises(CommandExecutionError, match=r"undone: aws.delete does not take"):
        st.run_plan(ret, [broken], funcs, {}, True, "user u")
