"""The benchmark's scale run end to end at a small N: real ``salt-call`` processes of the
benchmark's resources and of Salt's no-op floor, against moto's server, measured and
reported."""

from benchmarks import floors, scale

N = 3


def test_the_scale_run_measures_each_run_and_its_floors(moto_server, tmp_path, capsys):
    try:
        verdicts, by_latency = scale.scale(moto_server, tmp_path, True, [N], 1, {}, [0, 20])
    finally:
        moto_server.counter.latency = 0
    out = capsys.readouterr().out
    assert all(verdicts), out
    assert set(by_latency) == {0, 20}
    for latency_ms, (measured,) in by_latency.items():
        first, converged, noop = measured["first"], measured["converged"], measured["noop"]
        assert first["writes"] > 0
        assert converged["writes"] == 0
        # Every resource read at least once (buckets, users, identities), by three services.
        assert converged["calls"] >= 3 * N
        assert {"s3", "iam", "ses", "sns"} <= set(converged["services"])
        for used in (first["usage"], converged["usage"], noop):
            # salt-call's own: a Python process with Salt loaded, not this one with moto.
            assert 0.2 < used.cpu < used.wall * 2 + 1
            assert 40_000_000 < used.max_rss < 500_000_000
        floor = sum(floors.network_floor(converged["services"], latency_ms / 1000, {}).values())
        assert (floor > 0) == (latency_ms > 0)
        assert converged["wall"] > floor
    assert "answers delayed 20 ms" in out
    assert "salt-call CPU s" in out and "no-op wall s" in out and "network floor s" in out
    assert "calls by operation" in out and "sesv2 GetEmailIdentity" in out
