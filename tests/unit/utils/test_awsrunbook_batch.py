"""Batches: which later states of a run join one (``members``, pure), and the dispatcher that
runs them in threads and hands Salt their answers."""

import concurrent.futures
import threading
import types

import pytest
import salt.utils.context
from awsrunbook import batch, engine
from awsrunbook import readahead as ra

CONN = {"region": "eu-west-2"}


def chunk(sid, state="s3_backup_bucket", **args):
    return {"state": state, "fun": "present", "name": sid, "__id__": sid, **CONN, **args}


def resources(found):
    """Ours: buckets, users (writing their policy too) and identities; anything else not."""
    if found["state"] == "iam_backup_user":
        policy = found.get("policy_name", found["name"])
        return frozenset({("iam_user", found["name"]), ("iam_policy", policy)})
    if found["state"] in ("s3_backup_bucket", "ses_identity"):
        if " " in found["name"]:
            return None  # bad input: its own state says so
        return frozenset({(found["state"], found["name"])})
    return None


def ids(found):
    return [c["__id__"] for c, _ in found]


def members(chunks, running=None, pending=(), alone_with=()):
    run = batch.low_state(chunks)
    return batch.members(run, chunks[0], running or {}, resources, alone_with, pending)


def done(*chunks, result=True):
    return {batch.tag(c): {"result": result} for c in chunks}


def test_the_states_of_the_same_function_after_the_first_join():
    chunks = [chunk("b0"), chunk("b1"), chunk("b2")]
    assert ids(members(chunks)) == ["b1", "b2"]
    assert all(waits == set() for _, waits in members(chunks))


def test_a_state_of_another_module_ends_the_scan():
    chunks = [chunk("b0"), chunk("b1"), chunk("x", state="file"), chunk("b2")]
    assert ids(members(chunks)) == ["b1"]


def test_states_of_the_other_read_ahead_kinds_are_passed_over():
    chunks = [chunk("b0"), chunk("u0", "iam_backup_user"), chunk("b1"), chunk("d", "ses_identity")]
    chunks.append(chunk("b2"))
    assert ids(members(chunks)) == ["b1", "b2"]


def test_another_connection_or_function_does_not_join():
    chunks = [chunk("b0"), chunk("b1", region="us-east-1"), {**chunk("b2"), "fun": "absent"}]
    chunks.append(chunk("b3"))
    assert ids(members(chunks)) == ["b3"]


@pytest.mark.parametrize(
    "extra",
    [
        {"onlyif": "true"},
        {"unless": "false"},
        {"retry": {"attempts": 2}},
        {"watch": [{"s3_backup_bucket": "b0"}]},
        {"onchanges": [{"s3_backup_bucket": "b0"}]},
        {"listen": [{"s3_backup_bucket": "b0"}]},
        {"parallel": True},
        {"failhard": True},
        {"test": True},
        {"require": [{"sls": "elsewhere"}]},
        {"require": [{"s3_backup_bucket": "b*"}]},
        {"require": [{"s3_backup_bucket": "nowhere"}]},
        {"require": "b0"},
    ],
)
def test_a_state_with_more_than_met_requires_is_passed_over(extra):
    chunks = [chunk("b0"), chunk("b1", **extra), chunk("b2")]
    assert ids(members(chunks, done(chunks[0]))) == ["b2"]


def test_requires_of_states_that_succeeded_are_met():
    chunks = [chunk("b0"), chunk("b1", require=[{"s3_backup_bucket": "b0"}, {"id": "b0"}])]
    chunks.append(chunk("b2", require=[{"s3_backup_bucket": "b0"}]))
    assert ids(members(chunks, done(chunks[0]))) == ["b1", "b2"]
    assert ids(members(chunks, done(chunks[0], result=False))) == []
    assert ids(members(chunks, {})) == []


def test_a_state_requiring_one_of_an_earlier_batch_waits_for_it():
    users = [chunk(f"u{i}", "iam_backup_user", require=[{"id": f"b{i}"}]) for i in range(3)]
    buckets = [chunk(f"b{i}") for i in range(3)]
    chunks = [buckets[0], users[0], buckets[1], users[1], buckets[2], users[2]]
    running = done(buckets[0])
    run = batch.low_state(chunks)
    assert ids(batch.members(run, buckets[0], running, resources)) == ["b1", "b2"]
    pending = {batch.tag(buckets[1]), batch.tag(buckets[2])}
    found = batch.members(run, users[0], running, resources, (), pending)
    assert [(c["__id__"], waits) for c, waits in found] == [
        ("u1", {batch.tag(buckets[1])}),
        ("u2", {batch.tag(buckets[2])}),
    ]


def test_a_state_requiring_a_state_still_to_come_is_passed_over():
    chunks = [chunk("b0"), chunk("b1"), chunk("b2", require=[{"id": "b1"}]), chunk("b3")]
    assert ids(members(chunks, done(chunks[0]))) == ["b1", "b3"]


def test_a_resource_written_by_a_state_before_it_keeps_a_state_out():
    users = [chunk(f"u{i}", "iam_backup_user", policy_name="shared") for i in range(3)]
    users.append(chunk("u3", "iam_backup_user"))
    assert ids(members(users)) == ["u1", "u3"]


def test_a_state_that_ran_early_or_is_in_a_batch_already_is_left_alone():
    chunks = [chunk("b0"), chunk("b1"), chunk("b2"), chunk("b3")]
    found = members(chunks, running=done(chunks[1]), pending={batch.tag(chunks[2])})
    assert ids(found) == ["b3"]


def test_a_prereq_on_a_state_keeps_it_out():
    chunks = [chunk("b0"), chunk("b1"), chunk("b2"), chunk("x", "iam_backup_user")]
    chunks[3]["prereq"] = [{"s3_backup_bucket": "b1"}]
    assert ids(members(chunks)) == ["b2"]


def test_arguments_the_module_runs_alone_keep_a_state_out_and_bad_input_ends_the_scan():
    chunks = [chunk("d0", "ses_identity"), chunk("d1", "ses_identity", dns={"zone": "x"})]
    chunks += [chunk("d2", "ses_identity", dns=None), chunk("d3", "ses_identity", verify=False)]
    chunks += [chunk("d 4", "ses_identity"), chunk("d5", "ses_identity")]
    assert ids(members(chunks, alone_with=("verify", "dns"))) == ["d2", "d3"]


def test_a_state_not_in_the_run_has_no_batch():
    assert batch.members(batch.low_state([chunk("b1")]), chunk("b0"), {}, resources) == []


# --- the dispatcher ---------------------------------------------------------------------------


def module(test=False, option=None, failhard=False):
    """A state module's globals, as Salt's loader packs them."""
    return {
        "__context__": {},
        "__opts__": {"test": test, "failhard": failhard},
        "__salt__": {"config.option": lambda name, default: option},
        "__virtualname__": "s3_backup_bucket",
        "threading": threading,
    }


KIND = ra.Kind("s3_bucket", lambda c: ra.peer(c["name"], ("s3_bucket", c["name"])), None)


def run(chunks, adaptive=None, **options):
    """Salt's run of ``chunks`` through a state function decorated as the modules are, Salt
    injecting what it has for each call as it does: ``(results, [(name, thread, the id its
    run's chunk has, its other arguments)])``; ``adaptive``: a dict that gets each state's
    run's ``adaptive``."""
    seen, state_globals, adaptive = [], module(**options), {} if adaptive is None else adaptive

    def present(name, *, run, **kwargs):
        seen.append((name, threading.current_thread().name, run.low["__id__"], kwargs))
        adaptive[name] = run.adaptive
        return {"name": name, "result": True, "changes": {}, "comment": ""}

    body = types.FunctionType(present.__code__, state_globals, "present", None, present.__closure__)
    wrapped = engine.state(service="s3", reads=(KIND,))(body)
    results = {}
    for low in chunks:
        per_call = {"__low__": low, "__running__": dict(results), "__instance_id__": 7}
        with salt.utils.context.func_globals_inject(wrapped, __lowstate__=chunks, **per_call):
            results[batch.tag(low)] = wrapped(low["name"], **ra.conn_of(low))
    return results, seen


def test_salt_gets_each_batched_states_answer_and_each_ran_once_as_itself():
    chunks = [chunk(f"b{i}") for i in range(4)]
    results, seen = run(chunks)
    assert sorted(name for name, _, _, _ in seen) == ["b0", "b1", "b2", "b3"]
    assert all(name == sid for name, _, sid, _ in seen)  # each had a run of its own chunk
    threads = {name: thread for name, thread, _, _ in seen}
    assert threads["b0"] == threading.current_thread().name
    assert all(threads[f"b{i}"].startswith("awsrunbook-batch-s3") for i in (1, 2, 3))
    assert all(r["result"] for r in results.values())
    assert all(kwargs == {"region": "eu-west-2"} for _, _, _, kwargs in seen)


def test_the_states_of_a_batch_retry_adaptively_and_the_one_salt_runs_does_not():
    adaptive = {}
    run([chunk(f"b{i}") for i in range(3)], adaptive)
    assert adaptive == {"b0": False, "b1": True, "b2": True}


@pytest.mark.parametrize(
    "options", [{"test": True}, {"failhard": True}, {"option": 1}, {"option": {"s3": 1}}]
)
def test_test_mode_failhard_and_a_limit_of_one_run_every_state_in_salts_thread(options):
    _, seen = run([chunk(f"b{i}") for i in range(3)], **options)
    assert {thread for _, thread, _, _ in seen} == {threading.current_thread().name}


def test_a_bad_limit_fails_the_state_naming_the_option_before_it_runs():
    results, seen = run([chunk(f"b{i}") for i in range(3)], option=0)
    assert seen == []
    assert all(r["result"] is False for r in results.values())
    assert all("aws_runbook_write_concurrency" in r["comment"] for r in results.values())


def test_a_state_whose_requisite_an_earlier_batch_failed_is_not_run():
    failed = concurrent.futures.Future()
    failed.set_result({"result": False})
    skipped = concurrent.futures.Future()
    skipped.set_result(None)  # its own requisite had failed: the batch did not run it
    for waits in ([failed], [skipped]):
        assert batch._run_member(None, {}, {}, waits, None) is None
