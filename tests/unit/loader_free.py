"""Import a state or execution module file directly, for testing its pure functions."""

import importlib.util

from tests.conftest import REPO


def load(relative):
    path = REPO / relative
    spec = importlib.util.spec_from_file_location(f"pure_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
