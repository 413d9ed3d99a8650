"""Fixtures of the execution modules' functional tests."""

import time

import pytest


@pytest.fixture
def slept(monkeypatch):
    """The waits ``time.sleep`` was asked for, in order; none is waited."""
    waits = []
    monkeypatch.setattr(time, "sleep", waits.append)
    return waits
