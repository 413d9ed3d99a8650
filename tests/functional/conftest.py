"""Salt's loader in-process, with moto's in-process AWS mock."""

import moto
import pytest
import salt.config
from saltfactories.utils.functional import Loaders

from tests.conftest import REPO


@pytest.fixture
def minion_opts(tmp_path):
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


@pytest.fixture
def loaders(minion_opts):
    loaders = Loaders(minion_opts)
    yield loaders
    loaders.reset_state()


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
