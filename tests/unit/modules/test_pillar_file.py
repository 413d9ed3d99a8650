"""Which pillar values are secrets, and how ``read`` masks them."""

import pytest

from _modules import pillar_file


@pytest.mark.parametrize(
    "key",
    [
        "aws:secret_key",
        "postgres:backup:s3_key_secret",
        "smtp:password",
        "smtp:eu-west-1:password",
        "aws_runbook:connection:key",
        "docker_apps:registry:env:EMAIL_HOST_PASSWORD",
        "rabbitmq:users:admin:password",
        "github:api_token",
        "django:SECRET_KEY",
        "mysql:passwd",
    ],
)
def test_secret_paths(key):
    assert pillar_file.is_secret(key)


@pytest.mark.parametrize(
    "key",
    ["aws:access_key", "aws:region", "postgres:backup:s3_key", "smtp:username", "smtp", "aws"],
)
def test_not_secret_paths(key):
    assert not pillar_file.is_secret(key)


def test_mask_adds_paths_and_patterns():
    assert pillar_file.is_secret("backup:credentials:k2", mask=["backup:credentials:k2"])
    assert pillar_file.is_secret("x:any:y", mask=["x:*:y"])
    assert not pillar_file.is_secret("x:any:z", mask=["x:*:y"])


def test_masked_hides_every_secret_below_the_key_asked_for():
    value = {
        "access_key": "AKIA1",
        "secret_key": "s3cr3t",
        "session_token": None,
        "smtp": {"eu-west-1": {"password": "BSmtp", "port": 587}},
        "users": [{"name": "a", "password": "pw"}],
        "custom": "c1",
    }
    assert pillar_file._masked(value, "top", mask=["top:custom"]) == {
        "access_key": "AKIA1",
        "secret_key": pillar_file.MASKED,
        "session_token": None,  # nothing to hide: shows it is absent
        "smtp": {"eu-west-1": {"password": pillar_file.MASKED, "port": 587}},
        "users": [{"name": "a", "password": pillar_file.MASKED}],
        "custom": pillar_file.MASKED,
    }
