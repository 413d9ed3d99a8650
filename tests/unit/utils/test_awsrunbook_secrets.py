"""``awsrunbook.secrets``: a secret never shows itself, whichever way it is printed, logged or
serialised by mistake; generated passwords meet the usual policies."""

import copy
import json
import logging
import pickle
import string

import pytest
from awsrunbook import secrets

VALUE = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_every_way_of_showing_it_shows_the_mask(caplog):
    secret = secrets.Secret(VALUE)
    shown = [
        str(secret),
        repr(secret),
        f"{secret}",
        "%s" % secret,  # noqa: UP031 - the old formatting is what logging uses
        repr({"key": secret}),
        str([secret]),
    ]
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("made %s (%r)", secret, secret)
    assert all(VALUE not in text and secrets.MASK in text for text in shown), shown
    assert VALUE not in caplog.text and secrets.MASK in caplog.text
    assert secret.value == VALUE


@pytest.mark.parametrize(
    "serialise",
    [pickle.dumps, copy.deepcopy, json.dumps],
    ids=["pickle", "deepcopy", "json"],
)
def test_it_cannot_be_serialised(serialise):
    with pytest.raises(TypeError) as raised:
        serialise({"key": secrets.Secret(VALUE)})
    assert VALUE not in str(raised.value)


def test_salt_msgpack_refuses_it():
    import salt.payload

    with pytest.raises(TypeError) as raised:
        salt.payload.dumps({"key": secrets.Secret(VALUE)})
    assert VALUE not in str(raised.value)


def test_equality_is_by_value_and_hash_tells_nothing():
    assert secrets.Secret(VALUE) == secrets.Secret(VALUE)
    assert secrets.Secret(VALUE) != secrets.Secret(VALUE + "x")
    assert secrets.Secret(VALUE) != VALUE  # never equal to the bare string
    assert hash(secrets.Secret("a")) == hash(secrets.Secret("b"))
    assert len({secrets.Secret("a"), secrets.Secret("a"), secrets.Secret("b")}) == 2


def test_generated_passwords_have_each_class_and_no_forbidden_character():
    forbidden = '/@" '  # what RDS refuses in a master password
    made = [secrets.generate_password(16, forbidden).value for _ in range(200)]
    assert all(len(password) == 16 for password in made)
    assert not any(set(password) & set(forbidden) for password in made)
    for chars in (string.ascii_lowercase, string.ascii_uppercase, string.digits):
        assert all(set(password) & set(chars) for password in made), chars
    assert all(set(password) & (set(string.punctuation) - set(forbidden)) for password in made)
    assert len(set(made)) == len(made)


def test_a_password_without_punctuation_when_all_of_it_is_forbidden():
    password = secrets.generate_password(12, string.punctuation)
    assert isinstance(password, secrets.Secret)
    assert password.value.isalnum() and len(password.value) == 12
