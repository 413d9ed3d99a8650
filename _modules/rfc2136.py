"""DNS records on an authoritative server that takes dynamic updates (RFC 2136) signed with
TSIG: BIND, Knot, PowerDNS. One of the ``dns`` providers of ``dns_record`` and
``ses_identity``; the same functions as ``aws_route53`` and ``cloudflare_dns``.

Settings: ``server`` (its IP address; a host name is refused, not resolved), ``port`` (53),
``tsig_key_name``, ``tsig_secret`` (the key's base64 value) or ``tsig_secret_pillar`` (a
pillar key holding it, e.g. ``dns:tsig_secret``), ``tsig_algorithm`` (``hmac-sha256``),
``timeout`` (seconds, 10). The secret is never logged or shown.

CLI example::

    salt-call rfc2136.get_records example.org _dmarc.example.org TXT server=127.0.0.1 \\
        port=5353 tsig_key_name=salt tsig_secret_pillar=dns:tsig_secret
"""

import binascii
import logging
from typing import TYPE_CHECKING

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.update
from awsrunbook import dnsrecords as records
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "rfc2136"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __pillar__

DEFAULT_TIMEOUT = 10.0


def __virtual__():
    return __virtualname__


def _key(tsig_key_name, tsig_secret, tsig_secret_pillar, tsig_algorithm):
    """The TSIG key, or ``None`` for unsigned messages."""
    if not tsig_key_name:
        return None
    try:
        return dns.tsig.Key(
            tsig_key_name,
            records.secret_setting(tsig_secret, tsig_secret_pillar, __pillar__, "tsig_secret"),
            tsig_algorithm,
        )
    except (binascii.Error, ValueError):
        # The message must not repeat the secret.
        raise SaltInvocationError("tsig_secret: is not a base64 TSIG key") from None


def _absolute(name):
    return dns.name.from_text(name, origin=dns.name.root)


def _exchange(message, server, port, timeout, what):
    try:
        response, _ = dns.query.udp_with_fallback(message, server, port=port, timeout=timeout)
    except dns.exception.Timeout:
        raise CommandExecutionError(
            f"{what} at {server}:{port}: no answer within {timeout} s"
        ) from None
    except (dns.exception.DNSException, OSError) as exc:
        raise CommandExecutionError(f"{what} at {server}:{port} failed: {exc}") from None
    return response


def _settings(kwargs):
    """The connection part of the settings (rest ignored, so every provider's functions take
    the same ``**settings``)."""
    return {
        "server": records.server_address(kwargs.get("server"), "server"),
        "port": int(kwargs.get("port") or 53),
        "timeout": records.timeout_seconds(kwargs.get("timeout"), "timeout", DEFAULT_TIMEOUT),
        "key": _key(
            kwargs.get("tsig_key_name"),
            kwargs.get("tsig_secret"),
            kwargs.get("tsig_secret_pillar"),
            kwargs.get("tsig_algorithm") or "hmac-sha256",
        ),
    }


def get_records(zone, name, rtype, **settings):
    """The ``rtype`` record set at ``name`` as the server holds it: ``{"values": [...],
    "ttl": N}`` (no values when there is none).

    CLI example::

        salt-call rfc2136.get_records example.org www.example.org A server=192.0.2.53
    """
    conn = _settings(settings)
    query = dns.message.make_query(_absolute(name), rtype)
    if conn["key"]:
        query.use_tsig(conn["key"])
    what = f"DNS query for {name} {rtype}"
    response = _exchange(query, conn["server"], conn["port"], conn["timeout"], what)
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return {"values": [], "ttl": None}
    if rcode != dns.rcode.NOERROR:
        raise CommandExecutionError(f"{what} at {conn['server']}: {dns.rcode.to_text(rcode)}")
    rrset = response.get_rrset(
        response.answer, _absolute(name), dns.rdataclass.IN, dns.rdatatype.from_text(rtype)
    )
    if rrset is None:
        return {"values": [], "ttl": None}
    values = sorted({records.from_presentation(rtype, rdata.to_text()) for rdata in rrset})
    return {"values": values, "ttl": rrset.ttl}


def set_records(zone, name, rtype, values, ttl=None, current=None, **settings):
    """Make ``values`` the whole ``rtype`` record set at ``name`` (none: delete it), in one
    atomic update of ``zone``.

    CLI example::

        salt-call rfc2136.set_records example.org www.example.org A '["192.0.2.10"]' \\
            server=192.0.2.53 tsig_key_name=salt tsig_secret_pillar=dns:tsig_secret
    """
    conn = _settings(settings)
    update = dns.update.UpdateMessage(_absolute(zone), keyring=conn["key"])
    if values:
        rdatas = [
            # Absolute names, or the update would append the zone to them.
            dns.rdata.from_text(
                dns.rdataclass.IN,
                rtype,
                records.presentation(rtype, value),
                origin=dns.name.root,
                relativize=False,
            )
            for value in values
        ]
        update.replace(_absolute(name), ttl or records.DEFAULT_TTL, *rdatas)
    else:
        update.delete(_absolute(name), rtype)
    what = f"DNS update of {name} {rtype} in {zone}"
    response = _exchange(update, conn["server"], conn["port"], conn["timeout"], what)
    if response.rcode() != dns.rcode.NOERROR:
        raise CommandExecutionError(
            f"{what} at {conn['server']}: {dns.rcode.to_text(response.rcode())}"
            " (REFUSED or NOTAUTH: is the TSIG key allowed to update this zone?)"
        )
    log.info("%s: %d value(s)", what, len(values))
    return True
