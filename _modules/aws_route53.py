"""Route 53 record sets: one of the ``dns`` providers of ``dns_record`` and ``ses_identity``,
with the same functions as ``cloudflare_dns`` and ``rfc2136``.

Settings: ``zone_id`` (else the public hosted zone named ``zone`` is looked up), ``wait``
(seconds to wait for the change to be ``INSYNC``; not waited for without it) and the
connection arguments ``region``, ``profile``, ``keyid``, ``key``, ``role_arn``.

CLI example::

    salt-call aws_route53.get_records example.org _dmarc.example.org TXT
"""

import hashlib
import logging
import time
from typing import TYPE_CHECKING

from awsrunbook import client as aws
from awsrunbook import dnsrecords as records
from salt.exceptions import CommandExecutionError

log = logging.getLogger(__name__)

__virtualname__ = "aws_route53"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __context__, __salt__


def __virtual__():
    return __virtualname__


def _client(conn):
    return aws.connect("route53", dict(conn), __salt__)[0]


def _split(settings):
    """``(zone_id, wait, connection arguments)``; other settings are not Route 53's."""
    conn = aws.split_connection_args(dict(settings))
    return settings.get("zone_id"), settings.get("wait"), conn


def hosted_zone_id(zone, **kwargs):
    """The ID of the public hosted zone named ``zone`` (looked up once per run).

    CLI example::

        salt-call aws_route53.hosted_zone_id example.org
    """
    conn = aws.split_connection_args(kwargs)
    zone = records.canonical_name(zone, "zone")
    digest = hashlib.sha256(repr(sorted(conn.items())).encode()).hexdigest()
    cache = __context__.setdefault("aws_route53.zone_ids", {})
    if (zone, digest) in cache:
        return cache[(zone, digest)]
    resp = aws.call(
        _client(conn), "list_hosted_zones_by_name", zone, DNSName=zone + ".", MaxItems="10"
    )
    found = [
        z["Id"].rsplit("/", 1)[-1]
        for z in resp.get("HostedZones", [])
        if z["Name"].rstrip(".").lower() == zone and not z.get("Config", {}).get("PrivateZone")
    ]
    if not found:
        raise CommandExecutionError(f"Route 53 has no public hosted zone named {zone}")
    if len(found) > 1:
        raise CommandExecutionError(
            f"Route 53 has {len(found)} public hosted zones named {zone} ({', '.join(found)}): "
            "give dns:zone_id"
        )
    cache[(zone, digest)] = found[0]
    return found[0]


def _zone(zone, zone_id, conn):
    return zone_id or hosted_zone_id(zone, **conn)


def get_records(zone, name, rtype, **settings):
    """The ``rtype`` record set at ``name``: ``{"values": [...], "ttl": N}`` (no values when
    there is none). Alias and routing-policy record sets are not ours and count as none.

    CLI example::

        salt-call aws_route53.get_records example.org _dmarc.example.org TXT
    """
    zone_id, _, conn = _split(settings)
    zone_id = _zone(zone, zone_id, conn)
    resp = aws.call(
        _client(conn),
        "list_resource_record_sets",
        f"{name} {rtype}",
        HostedZoneId=zone_id,
        StartRecordName=name,
        StartRecordType=rtype,
        MaxItems="1",
    )
    for rrset in resp.get("ResourceRecordSets", []):
        same = rrset["Name"].rstrip(".").replace("\\052", "*").lower() == name
        if same and rrset["Type"] == rtype and "ResourceRecords" in rrset:
            values = sorted(
                {records.from_presentation(rtype, r["Value"]) for r in rrset["ResourceRecords"]}
            )
            return {"values": values, "ttl": rrset.get("TTL")}
    return {"values": [], "ttl": None}


def _wait(client, change_id, timeout):
    deadline = time.monotonic() + timeout
    delay = 2.0
    while True:
        resp = aws.call(client, "get_change", change_id, Id=change_id)
        status = resp["ChangeInfo"]["Status"]
        if status == "INSYNC":
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CommandExecutionError(
                f"Route 53 change {change_id} still {status} after {timeout} s"
            )
        log.info("Route 53 change %s is %s; checking again in %.0f s", change_id, status, delay)
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 30.0)


def set_records(zone, name, rtype, values, ttl=None, current=None, **settings):
    """Make ``values`` the whole ``rtype`` record set at ``name`` (UPSERT; no values: DELETE
    the set ``current`` describes, as Route 53 wants it exactly).

    CLI example::

        salt-call aws_route53.set_records example.org www.example.org A '["192.0.2.10"]'
    """
    zone_id, wait, conn = _split(settings)
    zone_id = _zone(zone, zone_id, conn)
    if values:
        action, ttl, rrs = "UPSERT", ttl or records.DEFAULT_TTL, values
    else:
        action, ttl, rrs = "DELETE", current["ttl"], current["values"]
    change = {
        "Action": action,
        "ResourceRecordSet": {
            "Name": name + ".",
            "Type": rtype,
            "TTL": ttl,
            "ResourceRecords": [{"Value": records.presentation(rtype, v)} for v in rrs],
        },
    }
    client = _client(conn)
    resp = aws.call(
        client,
        "change_resource_record_sets",
        f"{name} {rtype}",
        HostedZoneId=zone_id,
        ChangeBatch={"Comment": "salt-aws-runbook", "Changes": [change]},
    )
    if wait:
        _wait(client, resp["ChangeInfo"]["Id"], wait)
    return True
