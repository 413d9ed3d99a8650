"""Fixtures shared by every test tier."""

import logging
import os
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
# The pure modules, importable as Salt's loader makes them (``import awsrunbook.state``) even
# before an editable install has learnt of a new one.
sys.path.insert(0, str(REPO / "_utils"))
TESTS = pathlib.Path(__file__).resolve().parent
# The tiers, one folder each; a test's folder gives it its tier's marker, so
# `-m "not integration"` and friends select tiers.
TIERS = ("unit", "functional", "integration", "masterminion")


def pytest_collection_modifyitems(items):
    for item in items:
        tier = pathlib.Path(item.fspath).resolve().relative_to(TESTS).parts[0]
        if tier in TIERS:
            item.add_marker(tier)


@pytest.fixture(autouse=True)
def _dummy_aws_environment(monkeypatch, tmp_path):
    """No test may reach real AWS or read the developer's AWS config."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config-none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials-none"))


def pytest_unconfigure(config):
    # Salt's exit handlers log after pytest has closed its capture streams; without this each
    # prints a "Logging error" traceback below the summary line.
    logging.raiseExceptions = False
