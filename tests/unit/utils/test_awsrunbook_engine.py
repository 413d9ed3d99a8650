"""The explicit run: the decorator Salt calls, the run it builds once per call from what Salt
injected, and what the run offers a state (begin, once, declarations, the current run)."""

import inspect
import types

import pytest
import salt.utils.args
import salt.utils.context
from awsrunbook import engine, layout, rds_connection
from awsrunbook import readahead as ra
from awsrunbook import store as stores
from salt.exceptions import CommandExecutionError

KIND = ra.Kind("s3_bucket", lambda c: ra.peer(c["name"], ("s3_bucket", c["name"])), None)


def state_module(**extra):
    """A state module's globals as Salt's loader packs them."""
    return {
        "__virtualname__": "s3_backup_bucket",
        "__context__": {},
        "__opts__": {"test": False},
        "__salt__": {"config.option": lambda name, default=None: default},
        **extra,
    }


def decorated(body, module, **declared):
    """``body`` defined in ``module`` (as a state module's function is), decorated."""
    in_module = types.FunctionType(
        body.__code__, module, body.__name__, body.__defaults__, body.__closure__
    )
    in_module.__kwdefaults__ = body.__kwdefaults__
    in_module.__doc__ = body.__doc__
    return engine.state(**declared)(in_module)


def present(name, expire_days=30, prefix=None, *, run, **kwargs):
    """Ensure the bucket."""
    return {"name": name, "result": True, "changes": {}, "comment": repr(run)}


def test_salt_sees_the_bodys_signature_without_run():
    func = decorated(present, state_module(), service="s3", reads=(KIND,))
    spec = salt.utils.args.get_function_argspec(func)
    assert spec.args == ["name", "expire_days", "prefix"] and spec.defaults == (30, None)
    assert spec.keywords == "kwargs"
    assert "run" not in inspect.signature(func).parameters
    assert func.__name__ == "present" and func.__doc__ == "Ensure the bucket."
    call = salt.utils.args.format_call(func, {"name": "b", "expire_days": 7, "region": "r"})
    assert call["args"] == ["b"]
    assert call["kwargs"] == {"expire_days": 7, "prefix": None, "region": "r"}


def test_the_declaration_is_an_attribute_of_the_function_salt_calls():
    func = decorated(present, state_module(), service="s3", reads=(KIND,), alone_with=("dns",))
    declared = func.__aws_runbook__
    assert declared.function == "s3_backup_bucket.present"
    assert (declared.reads, declared.service, declared.alone_with) == ((KIND,), "s3", ("dns",))
    writer = decorated(present, state_module(), pillar=rds_connection.WRITER)
    assert layout.declaration(writer) is rds_connection.WRITER


def test_each_call_gets_a_run_of_what_salt_injected_for_it():
    seen, current_run = [], engine.current

    def body(name, *, run, **kwargs):  # runs with the state module's globals: a closure only
        seen.append((run, current_run()))
        return {"name": name, "result": True, "changes": {}, "comment": ""}

    module = state_module()
    func = decorated(body, module)
    low = {"state": "s3_backup_bucket", "fun": "body", "__id__": "b", "name": "b"}
    injected = {"__low__": low, "__lowstate__": [low], "__running__": {}, "__instance_id__": 9}
    with salt.utils.context.func_globals_inject(func, **injected):
        func("b", region="eu-west-2", profile=None)
    run, current = seen[0]
    assert current is run and engine.current() is None
    assert (run.low, run.lowstate, run.id, run.test) == (low, [low], 9, False)
    assert run.conn == {"region": "eu-west-2", "profile": None}
    assert run.store is stores.kept_in(module["__context__"]) and run.store.scope == 9
    assert run.salt is module["__salt__"] and run.function == "s3_backup_bucket.body"
    func("b")  # outside a state run: nothing is kept
    assert seen[1][0].id is None and seen[1][0].store is None


def test_what_salt_injects_for_one_function_lands_in_its_own_namespace():
    """Each loader's state function keeps what Salt injected for its call, as each loader's
    state module did: two runs in one process do not see each other's chunk."""
    first, second = decorated(present, state_module()), decorated(present, state_module())
    assert first.__globals__ is not second.__globals__
    with salt.utils.context.func_globals_inject(first, __low__={"__id__": "b"}):
        assert "__low__" not in second.__globals__ and "__low__" not in vars(engine)


def test_an_error_raised_on_purpose_becomes_a_failed_state():
    def body(name, *, run, **kwargs):
        raise CommandExecutionError("CreateBucket on b failed: AccessDenied")

    ret = decorated(body, state_module(CommandExecutionError=CommandExecutionError))("b")
    assert ret == {
        "name": "b",
        "result": False,
        "changes": {},
        "comment": "CreateBucket on b failed: AccessDenied",
    }


def test_begin_takes_the_connection_out_and_refuses_other_arguments_naming_the_function():
    run = engine.Run(engine.Declaration("s3_backup_bucket.present"), conn={"region": "eu-west-2"})
    kwargs = {"region": "eu-west-2"}
    assert run.begin("b", kwargs) == (
        {"name": "b", "result": True, "changes": {}, "comment": ""},
        {"region": "eu-west-2"},
        "eu-west-2",
    )
    assert kwargs == {}
    with pytest.raises(Exception, match=r"expire_dayz: unknown argument.*s3_backup_bucket.present"):
        run.begin("b", {"region": "eu-west-2", "expire_dayz": 3})


def test_the_region_is_checked_as_the_state_declares():
    ses = engine.Run(
        engine.Declaration("ses_identity.present", region=lambda r: f"checked {r}"),
        conn={"region": "eu-west-1"},
    )
    assert ses.region == "checked eu-west-1"


def test_once_computes_once_per_run_and_connection():
    computed = []

    def count(lowstate):
        computed.append(lowstate)
        return len(lowstate)

    run = engine.Run(lowstate=[{}, {}], id="run-1", store=stores.Store("run-1"))
    assert [run.once("count", count) for _ in range(3)] == [2, 2, 2]
    assert run.once("count", count, {"region": "eu-west-1"}) == 2
    assert len(computed) == 2  # once without a connection, once for eu-west-1
    engine.Run(lowstate=[{}], id="run-2", store=stores.Store("run-2")).once("count", count)
    assert len(computed) == 3  # a new run computes afresh
    outside = engine.Run(lowstate=[{}])
    outside.once("count", count)
    outside.once("count", count)
    assert len(computed) == 5


def test_declarations_of_the_runs_other_states_are_found_through_salts_state_loader():
    mine = engine.Declaration("s3_backup_bucket.present", (KIND,))
    theirs = engine.Declaration("iam_backup_user.present")
    states = {
        "iam_backup_user.present": types.SimpleNamespace(__aws_runbook__=theirs),
        "file.managed": print,
    }
    run = engine.Run(mine, states=states)
    assert run.declaration_of({"state": "s3_backup_bucket", "fun": "present"}) is mine
    assert run.declaration_of({"state": "iam_backup_user", "fun": "present"}) is theirs
    assert run.declaration_of({"state": "file", "fun": "managed"}) is None
    assert run.declaration_of({"state": "pkg", "fun": "installed"}) is None
    assert engine.Run(mine).declaration_of({"state": "file", "fun": "managed"}) is None


def test_changed_adjusts_the_current_run_in_the_block_only():
    assert engine.current() is None
    with engine.changed(adaptive=True) as outside:
        assert engine.current() is outside and outside.adaptive
    run = engine.Run(id="run-1")
    with engine.running(run), engine.changed(on_answer=print) as inside:
        assert inside.id == "run-1" and inside.on_answer is print
        assert not inside.adaptive
    assert engine.current() is None
