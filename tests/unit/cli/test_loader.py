"""``salt_aws_runbook.loader``: the ``salt.loader`` entry point names the directories holding
this extension's execution and state modules, wherever the package is installed."""

import importlib.metadata
import pathlib

from salt_aws_runbook import loader


def test_the_directories_hold_our_modules():
    dirs = loader.get_loader_dirs()
    assert set(dirs) == {"modules", "states"}
    modules = {p.name for d in dirs["modules"] for p in pathlib.Path(d).glob("*.py")}
    states = {p.name for d in dirs["states"] for p in pathlib.Path(d).glob("*.py")}
    assert {"aws_s3.py", "rfc2136.py", "cloudflare_dns.py"} <= modules
    assert {"dns_record.py", "s3_backup_bucket.py"} <= states
    assert not modules & (states - {"__init__.py"})


def test_salt_finds_it_through_the_entry_point():
    found = [
        entry
        for entry in importlib.metadata.entry_points(group="salt.loader")
        if entry.value.startswith("salt_aws_runbook")
    ]
    assert [entry.load() for entry in found] == [loader.get_loader_dirs]
