"""DNS records at the operator's DNS host (Route 53, Cloudflare, or any server that takes
RFC 2136 dynamic updates): for records outside what ``ses_identity`` publishes, such as a
receiving MX or a stricter DMARC policy.

.. code-block:: yaml

    _dmarc.example.org:
      dns_record.present:
        - type: TXT
        - values:
            - "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"
        - replace: true                   # this is the whole record set
        - dns:
            provider: route53
            zone: example.org

    example.org:
      dns_record.present:
        - type: TXT
        - values:
            - "google-site-verification=abc123"   # added beside the TXT values already there
        - ttl: 300
        - dns:
            provider: route53
            zone: example.org

    old.example.org:
      dns_record.absent:
        - type: A
        - dns:
            provider: route53
            zone: example.org

``dns`` names the provider and the zone, with the provider's own settings:

- ``route53``: ``zone`` or ``zone_id``, ``wait`` (seconds for the change to be INSYNC), and
  the AWS connection arguments (``region``, ``profile``, ``keyid``, ``key``, ``role_arn``);
- ``cloudflare``: ``zone``, ``api_token`` or ``api_token_pillar`` (a pillar key such as
  ``cloudflare:api_token``), ``base_url``, ``timeout``;
- ``rfc2136``: ``zone``, ``server``, ``port``, ``tsig_key_name``, ``tsig_secret`` or
  ``tsig_secret_pillar``, ``tsig_algorithm`` (``hmac-sha256``), ``timeout``.

Values are compared by meaning (TXT strings joined, names case-insensitive, trailing dots
ignored), so a converged run writes nothing. Without ``replace``, the values are added to the
record set and the others stay, but an SPF or DMARC value never silently replaces another of
its kind: the state fails and says so.
"""

from typing import TYPE_CHECKING

from awsrunbook import dnsrecords as records
from awsrunbook import engine
from awsrunbook import state as st
from awsrunbook import validate as valid

__virtualname__ = "dns_record"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __pillar__, __salt__


def __virtual__():
    return __virtualname__


def desired_record(name, rtype, values, ttl, dns, values_required=True, pillar=None):
    """Validate the arguments; return ``{"name", "type", "values", "ttl", "module", "zone",
    "settings"}``. Pure (``pillar``: the minion's, to check a secret read from it); raises
    ``SaltInvocationError`` naming the argument."""
    name = records.canonical_name(name, "name")
    rtype = records.record_type(rtype, "type")
    if values is None and not values_required:
        wanted = None
    else:
        wanted = records.canonical_values(rtype, values, "values")
    module, zone, settings = records.provider_settings(dns, "dns", pillar)
    if zone and not records.in_zone(name, zone):
        valid.fail("name", f"is not in the zone {zone}", name)
    return {
        "name": name,
        "type": rtype,
        "values": wanted,
        "ttl": records.ttl_value(ttl, "ttl"),
        "module": module,
        "zone": zone,
        "settings": settings,
    }


def plan_present(want, current, replace):
    """``(steps, conflict lines)`` for ``present``. Pure."""
    plan = records.plan_record_set(
        want["type"],
        current,
        want["values"],
        want["ttl"],
        default_ttl=records.DEFAULT_TTLS[want["module"]],
        exclusive=replace,
    )
    conflicts = records.conflict_lines(want["name"], want["type"], plan["conflicts"])
    if not plan["changed"] or conflicts:
        return [], conflicts
    step = records.record_step(
        want["module"], want["zone"], want["settings"], want["name"], want["type"], current, plan
    )
    return [step], []


def plan_absent(want, current):
    """The steps for ``absent``: take out ``values`` (all values when not given). Pure."""
    unwanted = current.get("values") or [] if want["values"] is None else want["values"]
    plan = records.plan_removal(current, unwanted)
    if not plan["changed"]:
        return []
    return [
        records.record_step(
            want["module"],
            want["zone"],
            want["settings"],
            want["name"],
            want["type"],
            current,
            plan,
        )
    ]


def _current(want):
    return __salt__[f"{want['module']}.get_records"](
        want["zone"], want["name"], want["type"], **want["settings"]
    )


@engine.state()
def present(name, type=None, values=None, ttl=None, dns=None, replace=False, *, run, **kwargs):
    """Ensure the ``type`` record set at ``name`` holds ``values``.

    name
        The record's full name (``_dmarc.example.org``).
    type
        ``A``, ``AAAA``, ``CNAME``, ``MX`` or ``TXT``.
    values
        A list: addresses, a host name (CNAME), ``PRIORITY HOST`` (MX) or text (TXT, quoted
        and split into 255-byte strings for you).
    ttl
        Seconds; by default a new record set gets the provider's default (1800; Cloudflare:
        automatic) and an existing one keeps its TTL.
    replace
        ``true``: ``values`` is the whole record set (other values are removed). Default
        ``false``: they are added beside the values already there.
    dns
        The provider settings (see the module documentation).
    """
    valid.no_unknown(kwargs, "dns_record.present")
    want = desired_record(name, type, values, ttl, dns, pillar=__pillar__)
    valid.boolean(replace, "replace")
    ret = st.new_ret(name)
    steps, conflicts = plan_present(want, _current(want), replace)
    if conflicts:
        return st.failed(ret, "\n".join(conflicts))
    run.apply(ret, steps, f"DNS record {name} {want['type']}", conn={})
    return ret


@engine.state()
def absent(name, type=None, values=None, dns=None, *, run, **kwargs):
    """Ensure the ``type`` record set at ``name`` does not hold ``values`` (without
    ``values``: does not exist). Other values stay."""
    valid.no_unknown(kwargs, "dns_record.absent")
    want = desired_record(name, type, values, None, dns, values_required=False, pillar=__pillar__)
    ret = st.new_ret(name)
    steps = plan_absent(want, _current(want))
    run.apply(ret, steps, f"DNS record {name} {want['type']}", conn={})
    return ret
