"""The run's read-ahead: peers, the bounded pool, the cache and its per-resource forgetting."""

import concurrent.futures
import dataclasses
import threading
import time
import types

import pytest
from awsrunbook import engine
from awsrunbook import readahead as ra
from awsrunbook import store as stores
from salt.exceptions import CommandExecutionError, SaltInvocationError

CONN = {"region": "eu-west-2"}


def chunk(name, state="s3_backup_bucket", fun="present", **args):
    return {"state": state, "fun": fun, "name": name, "__id__": name, **CONN, **args}


def bucket(chunk_args):
    if " " in chunk_args["name"]:
        raise SaltInvocationError("name: not a bucket name")
    return ra.peer(chunk_args["name"], ("s3_bucket", chunk_args["name"]))


class Reader:
    """Counts its reads and how many ran at once."""

    def __init__(self, fail=(), delay=0.0):
        self.reads, self.fail, self.delay = [], set(fail), delay
        self.running = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, key):
        with self.lock:
            self.reads.append(key)
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.delay)
        with self.lock:
            self.running -= 1
        if key in self.fail:
            raise CommandExecutionError(f"GetThing on {key} failed: AccessDenied")
        return {"read": key}


def make_run(lowstate, option=None, instance_id="run-1", context=None, **fields):
    """A bucket state's run, as the engine builds it from what Salt injected."""
    context = {} if context is None else context
    return engine.Run(
        declaration=engine.Declaration("s3_backup_bucket.present"),
        lowstate=lowstate,
        id=instance_id,
        store=stores.of_run(context, instance_id),
        salt={
            "config.option": lambda name, default: option if name == ra.CONFIG_OPTION else default
        },
        **fields,
    )


def declaring(run, *kinds):
    """``run`` of a state function that declares ``kinds`` as its reads."""
    return dataclasses.replace(run, declaration=engine.Declaration(run.function, kinds))


def read(run, name, reader, sizes=None):
    def build(_salt_funcs, _conn, _run, size):
        if sizes is not None:
            sizes.append(size)
        return reader

    run = declaring(run, ra.Kind("s3_bucket", bucket, build))
    return ra.read(run, "s3_bucket", dict(CONN), bucket({"name": name}))


def settle(reader, count):
    """Wait until ``reader`` has made ``count`` reads (the read-ahead runs in the background)."""
    deadline = time.monotonic() + 5
    while len(reader.reads) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # and no more
    return reader.reads


def test_peers_are_the_same_states_on_the_same_connection_in_order_once():
    lowstate = [
        chunk("b"),
        chunk("a"),
        chunk("b"),
        chunk("other-region", region="us-east-1"),
        chunk("gone", fun="absent"),
        chunk("user", state="iam_backup_user"),
        chunk("bad name"),
    ]
    found = ra.peers(lowstate, "s3_backup_bucket", dict(CONN), bucket)
    assert [p.key for p in found] == ["b", "a"]
    assert ra.peers(None, "s3_backup_bucket", dict(CONN), bucket) == []


@pytest.mark.parametrize(
    ("configured", "service", "expected"),
    [
        (None, "iam", 4),
        (None, "s3", 16),
        (3, "ses", 3),
        ({"iam": 2}, "iam", 2),
        ({"iam": 2}, "s3", 16),
    ],
)
def test_concurrency_from_the_config_option_or_the_default(configured, service, expected):
    assert ra.concurrency(service, configured) == expected


@pytest.mark.parametrize("configured", [0, -1, "8", True, {"iam": 0}])
def test_a_bad_concurrency_names_the_option(configured):
    with pytest.raises(SaltInvocationError, match=ra.CONFIG_OPTION):
        ra.concurrency("iam", configured)


def test_control_plane_defaults_stay_far_below_s3():
    assert ra.DEFAULT_CONCURRENCY["iam"] < ra.DEFAULT_CONCURRENCY["s3"]
    assert ra.DEFAULT_CONCURRENCY["ses"] < ra.DEFAULT_CONCURRENCY["iam"]


def futures_of(keys):
    return [(key, concurrent.futures.Future()) for key in keys]


def test_read_batches_is_bounded_and_hands_failed_reads_to_their_state():
    reader = Reader(fail={"k3"}, delay=0.05)
    futures = futures_of(f"k{i}" for i in range(12))
    ra.read_batches([("s3", reader, futures, False)], {"s3": 3})
    concurrent.futures.wait([future for _, future in futures])
    assert reader.most == 3
    assert reader.reads[0] == "k0"  # the first alone, before the rest
    assert sorted(reader.reads) == sorted(f"k{i}" for i in range(12))
    assert isinstance(futures[3][1].exception(), CommandExecutionError)
    assert futures[11][1].result() == {"read": "k11"}


def test_read_batches_limits_each_service_on_its_own():
    slow_iam, s3 = Reader(delay=0.05), Reader(delay=0.05)
    iam_futures, s3_futures = futures_of(range(6)), futures_of(range(6))
    batches = [("iam", slow_iam, iam_futures, False), ("s3", s3, s3_futures, False)]
    ra.read_batches(batches, {"iam": 1, "s3": 6})
    concurrent.futures.wait([future for _, future in iam_futures + s3_futures])
    assert slow_iam.most == 1 and s3.most == 5  # all but the first at once


def test_the_kinds_are_read_at_once_but_one_needing_the_account_waits_for_those_before():
    order, lock = [], threading.Lock()

    def reader(kind, delay):
        def read(key):
            with lock:
                order.append(f"{kind} {key} start")
            time.sleep(delay)
            with lock:
                order.append(f"{kind} {key} end")

        return read

    users, identities, topics = futures_of(["u"]), futures_of(["i"]), futures_of(["t"])
    batches = [
        ("iam", reader("user", 0.2), users, False),
        ("ses", reader("identity", 0.0), identities, False),
        ("sns", reader("topic", 0.0), topics, True),
    ]
    ra.read_batches(batches, {"iam": 1, "ses": 1, "sns": 1})
    concurrent.futures.wait([f for _, f in users + identities + topics])
    # The identity did not wait for the user's slow read; the topic did (it needs the account
    # the user's read teaches).
    assert order.index("identity i end") < order.index("user u end")
    assert order.index("user u end") < order.index("topic t start")


def test_once_the_process_exits_the_reads_in_flight_end_and_the_rest_are_cancelled():
    # salt-call's run is over (its main thread has ended): nobody takes what is left, and the
    # interpreter must not wait for it, nor find a thread of ours still reading.
    reader, exiting = Reader(delay=0.05), threading.Event()
    before = set(threading.enumerate())
    futures = futures_of(f"k{i}" for i in range(40))
    reader_calls = reader.__call__

    def read_then_exit(key):
        exiting.set()  # the process exits during the first read
        return reader_calls(key)

    ra.read_batches([("s3", read_then_exit, futures, False)], {"s3": 2}, None, exiting.is_set)
    assert reader.reads == ["k0"]
    assert futures[0][1].result() == {"read": "k0"}
    assert all(future.cancelled() for _, future in futures[1:])
    assert set(threading.enumerate()) <= before  # every thread of ours has ended


def test_a_kind_waiting_for_the_account_is_cancelled_when_the_process_exits():
    never, reader = concurrent.futures.Future(), Reader()
    futures = futures_of(["t1", "t2"])
    ra._read_kind((threading.BoundedSemaphore(1), 1), reader, futures, [never], lambda: True)
    assert reader.reads == [] and all(future.cancelled() for _, future in futures)


def test_a_gate_nobody_opens_stops_waiting_when_the_process_exits():
    assert ra.Gate().wait(lambda: True) is False
    assert (
        ra.read_batches(
            [("s3", Reader(), futures_of(["a"]), False)], {"s3": 1}, ra.Gate(), lambda: True
        )
        is None
    )


def test_the_read_ahead_threads_are_not_daemons():
    # A daemon thread frozen at exit while it writes to stderr aborts the interpreter
    # ("could not acquire lock for <stderr> at interpreter shutdown"): salt-call exited -6.
    started = []
    real = threading.Thread.start

    def record(thread):
        started.append(thread)
        real(thread)

    threading.Thread.start = record
    try:
        futures = futures_of(["a", "b", "c"])
        ra.read_batches([("s3", Reader(), futures, False)], {"s3": 2})
    finally:
        threading.Thread.start = real
    assert started and not any(thread.daemon for thread in started)


def test_nothing_is_read_when_the_gate_closes_and_all_once_it_opens():
    reader = Reader()
    closed, opened = ra.Gate(), ra.Gate()
    closed.close()
    ra.read_batches([("s3", reader, futures_of(["a"]), False)], {"s3": 1}, closed)
    assert reader.reads == []
    opened.open()
    futures = futures_of(["b"])
    ra.read_batches([("s3", reader, futures, False)], {"s3": 1}, opened)
    concurrent.futures.wait([f for _, f in futures])
    assert reader.reads == ["b"]


def test_a_kind_needing_the_account_also_waits_for_the_first_states_whole_read():
    gate, identities, topics = ra.Gate(), Reader(), Reader()
    gate.open()  # AWS answered the first state's first call; its read goes on
    batches = [("ses", identities, futures_of(["i"]), False)]
    batches.append(("sns", topics, futures_of(["t"]), True))
    reading = threading.Thread(target=ra.read_batches, args=(batches, {"ses": 1, "sns": 1}, gate))
    reading.start()
    concurrent.futures.wait([batches[0][2][0][1]], timeout=5)
    assert identities.reads == ["i"] and topics.reads == []
    gate.finished.set_result(None)  # it may have taught the account
    reading.join(timeout=5)
    concurrent.futures.wait([batches[1][2][0][1]], timeout=5)
    assert topics.reads == ["t"]


def test_read_batches_reads_with_adaptive_retries():
    def mode(_key):
        return engine.current().adaptive

    futures = futures_of(["a", "b"])
    ra.read_batches([("s3", mode, futures, False)], {"s3": 2})
    assert [future.result(timeout=5) for _, future in futures] == [True, True]
    assert engine.current() is None


def test_the_first_state_reads_its_peers_and_each_plans_from_its_entry_once():
    run = make_run([chunk("a"), chunk("b"), chunk("c")])
    reader = Reader()
    assert read(run, "a", reader) == {"read": "a"}
    assert sorted(settle(reader, 3)) == ["a", "b", "c"]
    assert reader.reads[0] == "a"  # its own read first, alone
    assert read(run, "b", reader) == {"read": "b"}
    assert read(run, "c", reader) == {"read": "c"}
    assert len(reader.reads) == 3
    # An entry serves one state: the same bucket declared again is read again.
    assert read(run, "b", reader) == {"read": "b"}
    assert len(reader.reads) == 4


def test_a_reader_is_told_how_many_keys_it_will_read():
    """One for a state's own read, the batch's size for the rest: a reader may read a batch
    differently (the backup users list the account once)."""
    run, sizes = make_run([chunk(name) for name in "abcd"]), []
    reader = Reader()
    read(run, "a", reader, sizes)
    settle(reader, 4)
    assert sizes == [1, 3]


def test_once_computes_for_the_first_caller_and_shares_it_with_every_thread():
    computed = []

    def compute():
        time.sleep(0.05)
        computed.append(1)
        return {"listing": len(computed)}

    shared = ra.once(compute)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: shared(), range(8)))
    assert computed == [1] and answers == [{"listing": 1}] * 8


def test_once_computes_a_failure_once_too():
    calls = []

    def compute():
        calls.append(1)
        raise CommandExecutionError("GetAccountAuthorizationDetails failed: ServiceUnavailable")

    shared = ra.once(compute)
    for _ in range(3):
        with pytest.raises(CommandExecutionError, match="ServiceUnavailable"):
            shared()
    assert calls == [1]


def test_a_written_resource_is_read_again():
    run = make_run([chunk("a"), chunk("b"), chunk("c")])
    reader = Reader()
    read(run, "a", reader)
    run.store.forget([("s3_bucket", "b"), ("iam_user", "x")])
    read(run, "b", reader)
    read(run, "c", reader)
    settle(reader, 4)
    assert reader.reads.count("b") == 2 and reader.reads.count("c") == 1


def test_an_entry_covering_several_resources_goes_with_any_of_them():
    lowstate = [chunk("u1", state="iam_backup_user"), chunk("u2", state="iam_backup_user")]
    run = dataclasses.replace(
        make_run(lowstate), declaration=engine.Declaration("iam_backup_user.present")
    )

    def user(chunk_args):
        name = chunk_args["name"]
        return ra.peer(name, ("iam_user", name), ("iam_policy", "shared"))

    reader = Reader()
    run = declaring(
        run, ra.Kind("iam_backup_user", user, lambda salt_funcs, conn, run_id, size: reader)
    )
    ra.read(run, "iam_backup_user", dict(CONN), user({"name": "u1"}))
    run.store.forget([("iam_policy", "shared")])
    ra.read(run, "iam_backup_user", dict(CONN), user({"name": "u2"}))
    assert settle(reader, 3).count("u2") == 2


def test_a_single_resource_costs_nothing_extra():
    run = make_run([chunk("a")], option="not read")
    reader = Reader()
    assert read(run, "a", reader) == {"read": "a"}
    assert reader.reads == ["a"]


def test_outside_a_state_run_nothing_is_kept():
    run = make_run([chunk("a"), chunk("b")], instance_id=None)
    reader = Reader()
    read(run, "a", reader)
    read(run, "b", reader)
    assert reader.reads == ["a", "b"]


def test_a_peer_whose_read_failed_reads_again_and_gets_its_error():
    run = make_run([chunk("a"), chunk("b")])
    reader = Reader(fail={"b"})
    read(run, "a", reader)
    with pytest.raises(CommandExecutionError, match="GetThing on b"):
        read(run, "b", reader)


def test_a_new_run_starts_afresh():
    context = {}
    reader = Reader()
    read(make_run([chunk("a"), chunk("b")], context=context), "a", reader)
    read(make_run([chunk("a"), chunk("b")], context=context, instance_id="run-2"), "b", reader)
    assert settle(reader, 3).count("b") == 2


def test_the_configured_limit_applies():
    reader = Reader(delay=0.05)
    lowstate = [chunk(f"b{i}") for i in range(7)]
    read(make_run(lowstate, option={"s3": 2}), "b0", reader)
    assert len(settle(reader, 7)) == 7 and reader.most == 2


def test_a_state_waits_only_for_its_own_entry():
    reader = Reader(delay=0.2)
    run = make_run([chunk(f"b{i}") for i in range(4)], option={"s3": 1})
    start = time.monotonic()
    read(run, "b0", reader)
    read(run, "b1", reader)
    # b0 alone, then b1; b2 and b3 are still to come (one at a time).
    assert time.monotonic() - start < 0.6 and len(reader.reads) < 4
    assert len(settle(reader, 4)) == 4


def test_the_first_state_reads_ahead_for_every_kind_of_the_run_in_run_order():
    users, buckets = Reader(), Reader()

    def user(chunk_args):
        return ra.peer(chunk_args["name"], ("iam_user", chunk_args["name"]))

    def loaded(reads):  # a decorated state function as Salt's loader hands it out
        declared = engine.Declaration("iam_backup_user.present", reads)
        return types.SimpleNamespace(__aws_runbook__=declared)

    lowstate = [
        chunk("b1"),
        chunk("u1", state="iam_backup_user"),
        chunk("u2", state="iam_backup_user"),
        chunk("f1", state="file"),  # declares no reads
        chunk("b2"),
    ]
    states = {
        "iam_backup_user.present": loaded(
            (ra.Kind("iam_backup_user", user, lambda salt_funcs, conn, run, size: users),)
        ),
        "file.present": print,
    }
    run = make_run(lowstate, states=states)
    read(run, "b1", buckets)
    assert settle(users, 2) == ["u1", "u2"] and settle(buckets, 2) == ["b1", "b2"]


def test_the_loader_behind_salts_proxy_is_handed_to_the_reads():
    class Proxy:  # what Salt injects as __salt__: it finds the loader through a context variable
        def __init__(self, loader):
            self.loader = loader

        def value(self):
            return self.loader

    loader = {"aws_s3.describe_bucket": print}
    assert ra._loader_of(Proxy(loader)) is loader
    assert ra._loader_of(loader) is loader


def test_reads_with_calls_the_function_with_the_connection_and_the_runs_scope():
    calls = []

    def describe(key, **kwargs):
        calls.append((key, kwargs))
        return key.upper()

    salt_funcs = {"aws_sns.describe_topic": describe}
    plain = ra.reads_with("aws_sns.describe_topic")(salt_funcs, {"region": "eu-west-1"}, "run-1", 1)
    scoped = ra.reads_with("aws_sns.describe_topic", scoped=True)(salt_funcs, {}, "run-1", 2)
    assert (plain("ops"), scoped("feedback")) == ("OPS", "FEEDBACK")
    assert calls == [("ops", {"region": "eu-west-1"}), ("feedback", {"scope": "run-1"})]
