"""The RDS master password: its rules, its generation and when it is set again."""

import datetime
import string
import urllib.parse

import pytest
from awsrunbook import rds_passwords
from awsrunbook.rds_connection import Held
from salt.exceptions import SaltInvocationError

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("length", [8, 32, 41, 128])
def test_generated_passwords_follow_the_rules(length):
    for _ in range(50):
        password = rds_passwords.new_password(length).value
        assert len(password) == length
        assert not set(password) & set(rds_passwords.FORBIDDEN_IN_PASSWORD)
        allowed = string.ascii_letters + string.digits + rds_passwords.PASSWORD_MARKS
        assert set(password) <= set(allowed)
        assert any(c.isupper() for c in password) and any(c.isdigit() for c in password)
        assert any(c in rds_passwords.PASSWORD_MARKS for c in password)
        # usable in a URL after quoting and as a plain YAML scalar
        assert urllib.parse.unquote(urllib.parse.quote(password, safe="")) == password
        assert rds_passwords.password_acceptable(password, "postgres")


def test_passwords_differ():
    assert len({rds_passwords.new_password(32).value for _ in range(20)}) == 20


@pytest.mark.parametrize(
    ("engine", "length", "ok"),
    [
        ("postgres", 7, False),
        ("postgres", 8, True),
        ("postgres", 128, True),
        ("postgres", 129, False),
        ("aurora-postgresql", 41, True),
        ("aurora-postgresql", 42, False),
        ("postgres", True, False),
    ],
)
def test_password_length_per_engine(engine, length, ok):
    if ok:
        assert rds_passwords.password_length(length, engine) == length
    else:
        with pytest.raises(SaltInvocationError, match=r"^password_length: must be"):
            rds_passwords.password_length(length, engine)


@pytest.mark.parametrize(
    "value", ["short", "has space1", "has/slash1", 'quote"d123', "at@sign12", None]
)
def test_unacceptable_passwords(value):
    assert not rds_passwords.password_acceptable(value, "postgres")


def test_rotation_reasons():
    reason = rds_passwords.rotation_reason
    both = Held(password=True)
    assert reason(False, both, None, 30, True, False) is None
    assert "interrupted" in reason(True, Held(password=True, pending=True), 1, None, False, False)
    assert "Secrets Manager" in reason(True, both, 1, None, False, True)
    assert "holds no password" in reason(True, Held(), 1, None, False, False)
    assert "rotate_password" in reason(True, both, 1, None, True, False)
    assert "unknown" in reason(True, both, None, 30, False, False)
    assert "31 days old" in reason(True, both, 31, 30, False, False)
    assert reason(True, both, 29, 30, False, False) is None
    assert reason(True, both, None, None, False, False) is None


def test_password_age_from_the_tag():
    stamp = rds_passwords.password_stamp(NOW - datetime.timedelta(days=3))
    assert stamp == "2026-11-20T12:00:00+00:00"
    assert rds_passwords.password_age_days({rds_passwords.PASSWORD_TAG: stamp}, NOW) == 3
    assert rds_passwords.password_age_days({}, NOW) is None
    assert rds_passwords.password_age_days(None, NOW) is None
    assert rds_passwords.password_age_days({rds_passwords.PASSWORD_TAG: "garbage"}, NOW) is None
    # a stamp without a zone is read as UTC
    naive = {rds_passwords.PASSWORD_TAG: "2026-11-13T12:00:00"}
    assert rds_passwords.password_age_days(naive, NOW) == 10
