"""Ours: the benchmark's salt-call set-up and pillar (the runs themselves are measured in
tests/integration/test_benchmark_scale.py)."""

import yaml

from benchmarks import salt_bench


def test_the_pillar_declares_n_of_each_resource_with_an_empty_pillar_file_each(tmp_path):
    bench = salt_bench.SaltBench(tmp_path, {}, ses=True)
    (bench.secrets / "left-over.sls").write_text("aws: {}\n")
    bench.declare(1000)
    pillar = yaml.safe_load((bench.pillar_root / "bench.sls").read_text())["aws_runbook"]
    assert len(pillar["backup"]["buckets"]) == 1000
    assert len(pillar["ses"]["identities"]) == 1000
    user = pillar["backup"]["users"]["bench-backup-user-999"]
    assert user == {
        "bucket": "bench-backup-999",
        "pillar_file": str(bench.secrets / "bench-backup-user-999.sls"),
    }
    assert list(bench.secrets.iterdir()) == []
    assert bench.kinds == 3


def test_each_domain_notifies_its_own_topic():
    identities = salt_bench.ses_pillar(2)["identities"]
    assert [i["notifications"]["topic"] for i in identities.values()] == [
        "bench-ses-feedback-000",
        "bench-ses-feedback-001",
    ]
    assert list(identities) == ["bench-000.example.org", "bench-001.example.org"]


def test_without_ses_two_kinds_and_no_ses_pillar(tmp_path):
    bench = salt_bench.SaltBench(tmp_path, {}, ses=False)
    bench.declare(3)
    pillar = yaml.safe_load((bench.pillar_root / "bench.sls").read_text())["aws_runbook"]
    assert set(pillar) == {"backup"}
    assert bench.kinds == 2


def test_the_minion_config_serves_the_generated_sls_and_carries_the_options(tmp_path):
    options = {"aws_runbook_write_concurrency": 1}
    bench = salt_bench.SaltBench(tmp_path, {}, ses=True, minion_options=options)
    minion = yaml.safe_load((bench.conf / "minion").read_text())
    assert str(bench.generated) in minion["file_roots"]["base"]
    assert minion["aws_runbook_write_concurrency"] == 1
    assert minion["file_client"] == "local"
