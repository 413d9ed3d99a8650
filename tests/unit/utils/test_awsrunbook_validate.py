"""Input validation: each check names the argument."""

import pytest
from awsrunbook import validate as valid
from salt.exceptions import SaltInvocationError


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "UPPER",
        "has_underscore",
        "-start",
        "end-",
        "a..b",
        "192.168.1.1",
        "xn--abc",
        "x" * 64,
        "b-s3alias",
    ],
)
def test_invalid_bucket_names(name):
    with pytest.raises(SaltInvocationError, match=r"^bucket: invalid S3 bucket name"):
        valid.bucket_name(name)


@pytest.mark.parametrize("name", ["ocp-redmine-backup", "a.b.c", "abc"])
def test_valid_bucket_names(name):
    assert valid.bucket_name(name) == name


@pytest.mark.parametrize("days", [0, -1, 1.5, "30", True])
def test_days_must_be_positive_integers(days):
    with pytest.raises(SaltInvocationError, match=r"^expire_days: must be a positive whole number"):
        valid.positive_days(days, "expire_days", allow_none=True)


@pytest.mark.parametrize("name", ["deliver-to-s3-bucket", "email.address_verification", "a"])
def test_receipt_rule_names(name):
    assert valid.receipt_rule_name(name, "rule") == name


@pytest.mark.parametrize("name", ["", "-leading", "trailing.", "bad name", "x" * 65, None])
def test_invalid_receipt_rule_names(name):
    with pytest.raises(SaltInvocationError, match=r"^rule: "):
        valid.receipt_rule_name(name, "rule")
