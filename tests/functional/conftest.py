"""Salt's loader in-process, with moto's in-process AWS mock."""

import moto
import pytest
import salt.config
from saltfactories.utils.functional import Loaders

from tests.conftest import REPO
from tests.support import moto_ses_patches, moto_sesv2_patches


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
def moto_ses_as_documented():
    """moto's SES v1 and v2 with the gaps tests/support lists filled (for whole runs of SES
    identities with notifications)."""
    moto_ses_patches.apply()
    moto_sesv2_patches.apply()


@pytest.fixture
def states(loaders, aws):
    return loaders.states


@pytest.fixture
def modules(loaders, aws):
    return loaders.modules
