"""The benchmark's command line."""

import pytest

from benchmarks import run


def test_several_latencies_and_the_concurrency_options():
    args, options = run.parse(
        [
            "--latency-ms",
            "0,60",
            "--read-concurrency",
            "iam=8,ses=4",
            "--write-concurrency",
            "all=1",
        ]
    )
    assert args.latency_ms == [0.0, 60.0]
    assert options == {
        "aws_runbook_read_concurrency": {"iam": 8, "ses": 4},
        "aws_runbook_write_concurrency": 1,
    }


def test_defaults_measure_at_latency_zero_with_the_extensions_limits():
    args, options = run.parse([])
    assert args.latency_ms == [0.0]
    assert options == {}
    assert args.json is None


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--latency-ms", "0,fast"], "--latency-ms: expected MS[,MS...], got '0,fast'"),
        (["--read-concurrency", "iam"], "--read-concurrency: expected SERVICE=N"),
    ],
)
def test_bad_arguments_are_refused_naming_the_option(argv, named, capsys):
    with pytest.raises(SystemExit):
        run.parse(argv)
    assert named in capsys.readouterr().err
