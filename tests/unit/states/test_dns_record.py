"""dns_record's pure parts: argument validation and the plans."""

import pytest
from salt.exceptions import SaltInvocationError

from _states import dns_record

DNS = {"provider": "cloudflare", "zone": "example.org", "api_token": "t0ken-value"}


def test_desired_record_is_canonical():
    want = dns_record.desired_record("WWW.example.org.", "a", ["192.0.2.1"], 300, DNS)
    assert want == {
        "name": "www.example.org",
        "type": "A",
        "values": ["192.0.2.1"],
        "ttl": 300,
        "module": "cloudflare_dns",
        "zone": "example.org",
        "settings": {"api_token": "t0ken-value"},
    }


def test_a_name_outside_the_zone_is_refused():
    with pytest.raises(SaltInvocationError, match=r"^name: is not in the zone example.org"):
        dns_record.desired_record("www.example.com", "A", ["192.0.2.1"], None, DNS)


def test_present_plan_converged_and_changed():
    want = dns_record.desired_record("www.example.org", "A", ["192.0.2.1"], None, DNS)
    assert dns_record.plan_present(want, {"values": ["192.0.2.1"], "ttl": 1}, False) == ([], [])
    steps, conflicts = dns_record.plan_present(want, {"values": [], "ttl": None}, False)
    assert conflicts == []
    assert steps[0]["new"] == {"ttl": 1, "values": ["192.0.2.1"]}  # Cloudflare's automatic
    assert "t0ken-value" not in repr({k: steps[0][k] for k in ("field", "old", "new")})


def test_absent_without_values_removes_the_set():
    want = dns_record.desired_record("www.example.org", "A", None, None, DNS, values_required=False)
    steps = dns_record.plan_absent(want, {"values": ["192.0.2.1", "192.0.2.2"], "ttl": 1})
    assert steps[0]["new"] is None and steps[0]["kwargs"]["values"] == []
    assert dns_record.plan_absent(want, {"values": [], "ttl": None}) == []
