"""The moto fills of tests/support: after ``apply()`` every check answers that moto is right,
so each check finds exactly the gap its fill closes (on a moto that has the gap, the check
found it and the fill was installed; on one that closed it, neither)."""

import importlib

import pytest

from tests.support import moto_gaps
from tests.support.moto_server import PATCH_MODULES

FILL_MODULES = [name for name in PATCH_MODULES if name != "tests.support.moto_rds_patches"]


@pytest.mark.parametrize("module_name", FILL_MODULES)
def test_after_apply_each_check_finds_moto_right(module_name, monkeypatch):
    for name in PATCH_MODULES[: PATCH_MODULES.index(module_name) + 1]:
        importlib.import_module(name).apply()  # in order: later fills wrap earlier ones
    fills = importlib.import_module(module_name).FILLS
    monkeypatch.setattr(moto_gaps, "_record", {})  # check again, as a fresh process would

    found = moto_gaps.find({name: check for name, (check, _) in fills.items()})

    assert found == dict.fromkeys(fills, False), moto_gaps.format_report(moto_gaps.report())


def test_gap_names_are_unique_across_modules():
    names = [name for module in FILL_MODULES for name in importlib.import_module(module).FILLS]

    assert len(names) == len(set(names))
