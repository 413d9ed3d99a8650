"""The floors: Salt's no-op SLS, and the network floor from the extension's limits."""

import pytest
import yaml
from awsrunbook import batch, readahead

from benchmarks import floors


def test_the_noop_sls_holds_as_many_states_that_each_succeed_without_changes():
    states = yaml.safe_load(floors.noop_sls(3000))
    assert len(states) == 3000
    assert {tuple(state) for state in states.values()} == {("test.succeed_without_changes",)}


def test_calls_over_the_default_limits_times_the_latency():
    services = {
        "ses": {"reads": 10, "writes": 4},
        "s3": {"reads": 32},
        "sns": {"reads": 8, "writes": 6},
        "sts": {"reads": 1},
    }
    floor = floors.network_floor(services, 0.06, {})
    reads, writes = readahead.DEFAULT_CONCURRENCY, batch.DEFAULT_CONCURRENCY
    assert floor["ses"] == pytest.approx((10 / reads["ses"] + 4 / writes["ses"]) * 0.06)
    assert floor["s3"] == pytest.approx(32 / reads["s3"] * 0.06)
    # Topics are written by the SES identity states: the identities' batch bounds them.
    assert floor["sns"] == pytest.approx((8 / reads["sns"] + 6 / writes["ses"]) * 0.06)
    assert floor["sts"] == pytest.approx(0.06)  # no limit: one at a time


def test_the_minion_options_override_the_defaults_as_salt_would_read_them():
    services = {"iam": {"reads": 16, "writes": 8}, "s3": {"reads": 16}}
    options = {floors.READ_OPTION: {"iam": 8}, floors.WRITE_OPTION: 1}
    floor = floors.network_floor(services, 1.0, options)
    assert floor["iam"] == pytest.approx(16 / 8 + 8 / 1)
    assert floor["s3"] == pytest.approx(16 / readahead.DEFAULT_CONCURRENCY["s3"])


def test_latency_zero_has_no_network_floor():
    assert floors.network_floor({"iam": {"reads": 1000}}, 0.0, {}) == {"iam": 0.0}
