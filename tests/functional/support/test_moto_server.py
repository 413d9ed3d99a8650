"""moto_server's ``--list-gaps``: a fresh process applies every fill module and says, for each
gap, whether the installed moto has it and whether it was filled."""

import importlib
import subprocess
import sys

from tests.conftest import REPO
from tests.support.moto_server import PATCH_MODULES


def test_list_gaps_names_every_gap_and_fills_each_one_found():
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.moto_server", "--list-gaps"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    *lines, summary = done.stdout.strip().splitlines()
    statuses = {line.split()[1].rstrip(":"): line.split()[0] for line in lines}
    expected = {
        name
        for module in PATCH_MODULES
        for name in getattr(importlib.import_module(module), "FILLS", {})
    }
    assert set(statuses) == expected
    # A gap found is always filled; one not found is reported closed.
    assert set(statuses.values()) <= {"filled", "closed"}
    filled = sum(status == "filled" for status in statuses.values())
    assert summary.startswith("moto ")
    assert f"{filled} of {len(expected)} gaps found, {filled} filled" in summary
