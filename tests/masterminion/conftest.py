"""What the master/minion tests share: moto's server, and the master's environment that
points every daemon at it."""

import urllib.request

import pytest

from tests.support.moto_server import MotoServer


@pytest.fixture(scope="module")
def moto_url():
    server = MotoServer().start()
    # moto's backends live in this process: each module starts from an empty account.
    reset = urllib.request.Request(f"{server.url}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset).read()
    yield server.url
    server.stop()


def point_at_moto(salt_factories, moto_url):
    """Daemons copy the environment when they are made: point them at the local endpoint
    before the master is."""
    salt_factories.environ.update(
        {
            "AWS_ENDPOINT_URL": moto_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }
    )
