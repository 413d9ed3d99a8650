"""What one state run remembers: one store per run, and its one rule (a write forgets what
covers the resource written)."""

import concurrent.futures

from awsrunbook import store as stores


def test_a_write_forgets_every_entry_covering_the_resource_and_nothing_else():
    store = stores.Store("run-1")
    store.put(
        "readahead", "u1", "user u1 and policy shared", [("iam_user", "u1"), ("iam_policy", "p")]
    )
    store.put("readahead", "u2", "user u2", [("iam_user", "u2")])
    store.put("aws_sns.topics", "t", "topic t", [("sns_topic", "t")])
    store.put("once", "pillar_writers", ["w"])  # worked out from the low state: covers nothing
    store.forget([("iam_policy", "p"), ("sns_topic", "t")])
    assert store.get("readahead", "u1") is None and store.get("aws_sns.topics", "t") is None
    assert store.get("readahead", "u2") == "user u2"
    assert store.get("once", "pillar_writers") == ["w"]
    store.forget([])
    assert store.get("readahead", "u2") == "user u2"


def test_entries_are_kept_per_space_and_key_and_may_hold_none():
    store, missing = stores.Store("run-1"), object()
    store.put("aws_ses.notifications", "gone.example.org", None)
    assert store.pop("aws_ses.notifications", "gone.example.org", missing) is None
    assert store.pop("aws_ses.notifications", "gone.example.org", missing) is missing
    assert store.get("readahead", "gone.example.org", missing) is missing


def test_remember_computes_once_even_from_several_threads():
    store, computed = stores.Store("run-1"), []

    def compute():
        computed.append(1)
        return len(computed)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: store.remember("batch", "option", compute), range(8)))
    assert answers == [1] * 8 and computed == [1]


def test_drop_takes_the_entries_a_predicate_names():
    store = stores.Store("run-1")
    for key in (("s3_bucket", "conn-a", "b1"), ("s3_bucket", "conn-b", "b2")):
        store.put("readahead", key, key[2], [("s3_bucket", key[2])])
    store.drop("readahead", lambda key: key[1] == "conn-a")
    assert store.get("readahead", ("s3_bucket", "conn-a", "b1")) is None
    assert store.get("readahead", ("s3_bucket", "conn-b", "b2")) == "b2"


def test_one_store_per_run_a_new_run_starts_afresh_and_outside_a_run_nothing_is_kept():
    context = {}
    first = stores.of_run(context, "run-1")
    first.put("once", "k", 1)
    assert stores.of_run(context, "run-1") is first
    assert stores.kept_in(context) is first
    second = stores.of_run(context, "run-2")
    assert second is not first and second.get("once", "k") is None
    assert stores.of_run(context, None) is None and stores.of_run(None, "run-1") is None
    assert stores.kept_in({}) is None and stores.kept_in(None) is None
