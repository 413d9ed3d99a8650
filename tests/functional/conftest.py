"""Salt's loader in-process, with moto's in-process AWS mock."""

import moto
import pytest
import salt.config
from saltfactories.utils.functional import Loaders

from tests.conftest import REPO


@pytest.fixture(scope="module")
def minion_opts(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("minion")
    opts = salt.config.minion_config(None)
    opts.update(
        {
            "id": "functional-minion",
            "file_client": "local",
            "cachedir": str(tmp_path / "cache"),
            "pki_dir": str(tmp_path / "pki"),
            "module_dirs": [str(REPO / "_modules")],
            "states_dirs": [str(REPO / "_states")],
            "utils_dirs": [str(REPO / "_utils")],
            "test": False,
        }
    )
    return opts


@pytest.fixture(scope="module")
def _module_loaders(minion_opts):
    return Loaders(minion_opts)


@pytest.fixture
def loaders(_module_loaders):
    # Building the loaders is slow; share them per module and reset their state per test.
    yield _module_loaders
    _module_loaders.reset_state()


@pytest.fixture
def aws():
    with moto.mock_aws():
        yield


@pytest.fixture
def states(loaders, aws):
    return loaders.states


@pytest.fixture
def modules(loaders, aws):
    return loaders.modules
