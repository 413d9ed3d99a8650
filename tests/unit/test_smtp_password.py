"""The SES SMTP password (SigV4 method, version byte 4) against AWS's published vectors."""

import base64

import pytest
from awsrunbook_keys import smtp_password

# (region, secret access key, SMTP password), as published (shared README).
PUBLISHED = [
    ("eu-central-1", "some+secret+key", "BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2"),
    ("eu-central-1", "another+secret+key", "BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh"),
    ("us-west-1", "some+secret+key", "BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj"),
    ("us-west-1", "another+secret+key", "BKVmjjMDFk/qqw8EROW99bjCS65PF8WKvK5bSr4Y6EqF"),
]


@pytest.mark.parametrize(("region", "secret", "password"), PUBLISHED)
def test_published_vectors(region, secret, password):
    assert smtp_password(secret, region) == password


def test_shape():
    password = smtp_password("some+secret+key", "us-east-1")
    raw = base64.b64decode(password)
    assert len(password) == 44
    assert raw[0] == 0x04 and len(raw) == 33


def test_region_matters():
    assert smtp_password("k", "us-east-1") != smtp_password("k", "eu-west-1")
