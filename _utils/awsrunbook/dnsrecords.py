"""DNS records as plain data: normalised names and values, TXT quoting, the DNS provider
settings, and the plan that takes one record set (all values of one name and type) from what
a DNS host holds to what is wanted. Pure: no DNS, no HTTP, no AWS.

Canonical forms (what every provider module returns and every comparison uses):

- names: lower case, no trailing dot (``_dmarc.example.org``);
- A/AAAA: the address in its shortest form; CNAME: the target host, lower case, no dot;
- MX: ``"PRIORITY HOST"`` (``"10 feedback-smtp.eu-west-1.amazonses.com"``);
- TXT: the character-strings joined into one text, without quotes (so a value split into
  255-byte strings compares equal to the same value in one piece).
"""

import base64
import binascii
import ipaddress
import re

import salt.utils.data

from awsrunbook import plans
from awsrunbook.validate import fail

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT")
MAX_CHARACTER_STRING = 255  # bytes per TXT character-string (RFC 1035 3.3)
DEFAULT_TTL = 1800
MAX_TIMEOUT = 3600  # seconds: a DNS call that waits longer is a typo, not patience

# Which execution module speaks to each DNS host; all of them offer the same functions:
# get_records(zone, name, rtype, **settings) and set_records(zone, name, rtype, values, ttl,
# current, **settings).
PROVIDER_MODULES = {"route53": "aws_route53", "cloudflare": "cloudflare_dns", "rfc2136": "rfc2136"}
# The TTL a new record set gets when none is given (Cloudflare's 1 means "automatic").
DEFAULT_TTLS = {"aws_route53": DEFAULT_TTL, "cloudflare_dns": 1, "rfc2136": DEFAULT_TTL}
_CONNECTION = ("region", "profile", "keyid", "key", "role_arn")
PROVIDER_KEYS = {
    "route53": ("zone", "zone_id", "wait", *_CONNECTION),
    "cloudflare": ("zone", "api_token", "api_token_pillar", "base_url", "timeout"),
    "rfc2136": (
        "zone",
        "server",
        "port",
        "tsig_key_name",
        "tsig_secret",
        "tsig_secret_pillar",
        "tsig_algorithm",
        "timeout",
    ),
}
TSIG_ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1")
# TXT values that hold a policy of which a name may have only one: a second one breaks it.
POLICY_PREFIXES = {"SPF": "v=spf1", "DMARC": "v=dmarc1"}

_LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


# --- names and values -----------------------------------------------------------------------


def canonical_name(value, arg="name"):
    """A DNS name in canonical form; labels may hold underscores (``_dmarc``) and the first
    may be ``*``."""
    if not isinstance(value, str) or not value.strip("."):
        fail(arg, "must be a DNS name", value)
    name = value.rstrip(".").lower()
    labels = name.split(".")
    first_ok = labels[0] == "*" or _LABEL_RE.match(labels[0])
    if len(name) > 253 or not first_ok or not all(_LABEL_RE.match(lbl) for lbl in labels[1:]):
        fail(arg, "is not a valid DNS name", value)
    return name


def in_zone(name, zone):
    """True when ``name`` is ``zone`` or below it (both canonical)."""
    return name == zone or name.endswith("." + zone)


def _address(value, version, arg):
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        address = None
    if address is None or address.version != version:
        fail(arg, f"must be an IPv{version} address", value)
    return str(address)


def _mx(value, arg):
    if isinstance(value, dict):
        priority, host = value.get("priority"), value.get("value")
    else:
        priority, _, host = str(value).strip().partition(" ")
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        priority = -1
    if not 0 <= priority <= 65535 or not host:
        fail(arg, "an MX value is 'PRIORITY HOST' (e.g. '10 mail.example.org')", value)
    return f"{priority} {canonical_name(host.strip(), arg)}"


def _txt(value, arg):
    if not isinstance(value, str) or not value:
        fail(arg, "a TXT value is a non-empty string", value)
    return value


def canonical_value(rtype, value, arg="values"):
    """``value`` (as a user writes it, or as ``build_dns_records`` makes it) in canonical
    form. TXT values are taken as text, not as quoted zone-file strings."""
    if isinstance(value, dict) and rtype != "MX":
        value = value.get("value")
    if rtype == "A":
        return _address(value, 4, arg)
    if rtype == "AAAA":
        return _address(value, 6, arg)
    if rtype == "CNAME":
        return canonical_name(value, arg)
    if rtype == "MX":
        return _mx(value, arg)
    return _txt(value, arg)


def canonical_values(rtype, values, arg="values"):
    """A list of values in canonical form, duplicates dropped, sorted."""
    if isinstance(values, (str, dict)):
        values = [values]
    if not isinstance(values, list) or not values:
        fail(arg, "must be a non-empty list of record values", values)
    result = sorted({canonical_value(rtype, item, arg) for item in values})
    if rtype == "CNAME" and len(result) > 1:
        fail(arg, "a CNAME has exactly one value", values)
    return result


def record_type(value, arg="type"):
    rtype = str(value).upper() if isinstance(value, str) else value
    if rtype not in RECORD_TYPES:
        fail(arg, f"must be one of {list(RECORD_TYPES)}", value)
    return rtype


def ttl_value(value, arg="ttl"):
    """``None`` (provider default; an existing record keeps its TTL) or seconds; Cloudflare's
    1 means "automatic"."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2147483647:
        fail(arg, "must be a whole number of seconds (1 = automatic on Cloudflare)", value)
    return value


# --- TXT presentation -----------------------------------------------------------------------


def txt_strings(text):
    """``text`` as UTF-8 character-strings of at most 255 bytes each, never cutting a
    character in two."""
    chunks, current = [], b""
    for char in text:
        encoded = char.encode()
        if len(current) + len(encoded) > MAX_CHARACTER_STRING:
            chunks.append(current)
            current = b""
        current += encoded
    chunks.append(current)
    return chunks


def _quote(chunk):
    out = []
    for byte in chunk:
        if byte in (0x22, 0x5C):  # " and \
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def txt_presentation(text: str) -> str:
    """The zone-file form of a TXT value: quoted character-strings of at most 255 bytes,
    separated by spaces (``"v=spf1 include:amazonses.com ~all"``)."""
    return " ".join(_quote(chunk) for chunk in txt_strings(text))


def _unquote_strings(text):
    strings, current, quoted, i = [], None, False, 0
    while i < len(text):
        char = text[i]
        if char == "\\" and current is not None:
            if text[i + 1 : i + 4].isdigit() and len(text[i + 1 : i + 4]) == 3:
                current.append(int(text[i + 1 : i + 4]))
                i += 4
                continue
            current.extend(text[i + 1].encode())
            i += 2
            continue
        if char == '"':
            if quoted:
                strings.append(bytes(current))
                current = None
            else:
                current = bytearray()
            quoted = not quoted
        elif quoted:
            current.extend(char.encode())
        elif not char.isspace():
            fail("TXT", "unquoted text between quoted strings", text)
        i += 1
    if quoted:
        fail("TXT", "unterminated quoted string", text)
    return strings


def txt_text(presentation):
    """The joined text of a TXT value in zone-file form (quoted strings with ``\\"`` and
    ``\\DDD`` escapes). An unquoted value (some APIs answer so) is taken as it is."""
    stripped = presentation.strip()
    if not stripped.startswith('"'):
        return stripped
    return b"".join(_unquote_strings(stripped)).decode("utf-8", "replace")


def presentation(rtype, value):
    """A canonical value in zone-file form (absolute host names end in a dot)."""
    if rtype == "TXT":
        return txt_presentation(value)
    if rtype in ("CNAME", "MX"):
        return value + "."
    return value


def from_presentation(rtype, text):
    """The canonical form of a value in zone-file form (what Route 53 and dnspython give)."""
    if rtype == "TXT":
        return txt_text(text)
    return canonical_value(rtype, text, "answer")


def resolver_addresses(resolvers, arg="resolvers"):
    """``[(host, port)]`` from a list of ``HOST`` or ``HOST:PORT`` strings (``[V6]:PORT`` for
    an IPv6 address with a port); ``None`` stays ``None`` (ask the authoritative servers)."""
    if resolvers is None:
        return None
    if isinstance(resolvers, str):
        resolvers = [resolvers]
    if not isinstance(resolvers, list) or not resolvers:
        fail(arg, "must be a list of HOST or HOST:PORT strings", resolvers)
    return [_resolver(item, arg) for item in resolvers]


def _resolver(item, arg):
    text = str(item).strip()
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        fail(arg, "must be HOST or HOST:PORT", item)
    return host, int(port)


# --- provider settings ----------------------------------------------------------------------


def _kind(value: object) -> str:
    """What ``value`` is, in words that never show it."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple, set)):
        return "a list"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "a string"
    return "null" if value is None else f"a {type(value).__name__}"


def _is_token(text: str) -> bool:
    # An HTTP header value: printable ASCII, no spaces (a newline would split the header).
    return all(33 <= ord(char) <= 126 for char in text)


def _is_base64(text: str) -> bool:
    try:
        return bool(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return False


# What each provider secret must be: its shape in words, and the check of a string.
SECRET_SHAPES = {
    "api_token": ("a Cloudflare API token (printable characters, no spaces)", _is_token),
    "tsig_secret": ("a base64 TSIG key", _is_base64),
}


def secret_text(value: object, arg: str, name: str, source: str = "") -> str:
    """``value`` when it is a non-empty string of the shape secret ``name`` has; else raise
    naming ``arg`` (``source``: where the value came from). Never shows the value."""
    shape, fits = SECRET_SHAPES[name]
    if not isinstance(value, str) or not value.strip():
        fail(arg, f"{source}must be {shape}, not {_kind(value)} (the value is not shown)")
    if not fits(value):
        fail(arg, f"{source}must be {shape} (the value is not shown)")
    return value


def _pillar_key(pillar_key: object, key_arg: str) -> None:
    if not isinstance(pillar_key, str) or not all(pillar_key.split(":")):
        # Not shown: a mapping here may be the secret itself, put in the wrong place.
        fail(key_arg, f"must be a colon-delimited pillar key, not {_kind(pillar_key)}")


def secret_setting(value, pillar_key, pillar, arg, where=""):
    """A provider secret given directly (``arg``) or kept in pillar at ``pillar_key``
    (``arg_pillar``), checked for its shape: a mapping, list or empty value fails. ``where``
    prefixes the argument names (``dns:``). The messages never repeat the secret."""
    if value is not None:
        return secret_text(value, f"{where}{arg}", arg)
    key_arg = f"{where}{arg}_pillar"
    if pillar_key is None:
        fail(f"{where}{arg}", f"give {arg} or {arg}_pillar")
    _pillar_key(pillar_key, key_arg)
    found = salt.utils.data.traverse_dict_and_list(pillar, pillar_key, None, delimiter=":")
    if found is None:
        fail(key_arg, f"nothing in the pillar at {pillar_key}")
    return secret_text(found, key_arg, arg, f"the pillar value at {pillar_key} ")


def timeout_seconds(value: object, arg: str, default: float | None) -> float | None:
    """A positive number of seconds (``default`` when ``None``)."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        fail(arg, "must be a positive number of seconds", value)
    if value > MAX_TIMEOUT:
        fail(arg, f"must be at most {MAX_TIMEOUT} seconds", value)
    return float(value)


def _require(settings, key, arg, problem):
    if settings.get(key) in (None, ""):
        fail(f"{arg}:{key}", problem)


def _check_secret(settings, name, arg, pillar):
    """The provider secret ``name`` (given, or read from ``pillar`` when it is known)."""
    value, pillar_key = settings.get(name), settings.get(f"{name}_pillar")
    if value is None and pillar_key is not None and pillar is None:
        _pillar_key(pillar_key, f"{arg}:{name}_pillar")
        return
    secret_setting(value, pillar_key, pillar, name, f"{arg}:")


def server_address(value: object, arg: str) -> str:
    """The RFC 2136 server's IP address. A host name is refused rather than resolved: the
    address that gets the signed updates is what the operator wrote, not what a resolver
    answers today."""
    if value in (None, ""):
        fail(arg, "the DNS server's address is required")
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        fail(arg, "must be the DNS server's IP address (a host name is not resolved)", value)


def _check_rfc2136(settings, arg, pillar):
    server_address(settings.get("server"), f"{arg}:server")
    port = settings.get("port", 53)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        fail(f"{arg}:port", "must be a port number", port)
    key_name = settings.get("tsig_key_name")
    if key_name is not None:
        if not isinstance(key_name, str) or not key_name.strip():
            fail(f"{arg}:tsig_key_name", "must be the TSIG key's name", key_name)
        if settings.get("tsig_secret") is None and settings.get("tsig_secret_pillar") is None:
            fail(f"{arg}:tsig_secret", "a TSIG key name needs tsig_secret or tsig_secret_pillar")
        _check_secret(settings, "tsig_secret", arg, pillar)
    algorithm = settings.get("tsig_algorithm", "hmac-sha256")
    if algorithm not in TSIG_ALGORITHMS:
        fail(f"{arg}:tsig_algorithm", f"must be one of {list(TSIG_ALGORITHMS)}", algorithm)
    timeout_seconds(settings.get("timeout"), f"{arg}:timeout", None)


def _check_cloudflare(settings, arg, pillar):
    if settings.get("api_token") is None and settings.get("api_token_pillar") is None:
        fail(f"{arg}:api_token", "give api_token or api_token_pillar (e.g. cloudflare:api_token)")
    _check_secret(settings, "api_token", arg, pillar)
    base_url = settings.get("base_url")
    if base_url is not None and not str(base_url).startswith(("https://", "http://")):
        fail(f"{arg}:base_url", "must be an http(s) URL", base_url)
    timeout_seconds(settings.get("timeout"), f"{arg}:timeout", None)


def _check_route53(settings, arg, pillar):
    wait = settings.get("wait")
    if wait is not None and (isinstance(wait, bool) or not isinstance(wait, int) or wait < 1):
        fail(f"{arg}:wait", "must be a whole number of seconds", wait)


_PROVIDER_CHECKS = {
    "route53": _check_route53,
    "cloudflare": _check_cloudflare,
    "rfc2136": _check_rfc2136,
}


def provider_settings(dns, arg="dns", pillar=None):
    """Validate the ``dns`` argument; return ``(module, zone, settings)``: the execution
    module to call, the zone name (canonical; ``None`` for a Route 53 ``zone_id``) and the
    keyword arguments its functions take. With ``pillar`` (the minion's), a secret the
    settings read from it (``api_token_pillar``, ``tsig_secret_pillar``) is checked too, so a
    missing or malformed one fails before any call. The error messages never repeat a
    secret."""
    if not isinstance(dns, dict):
        fail(arg, "must be a mapping with provider (route53, cloudflare, rfc2136) and zone")
    provider = dns.get("provider")
    if provider not in PROVIDER_MODULES:
        fail(f"{arg}:provider", f"must be one of {list(PROVIDER_MODULES)}", provider)
    settings = {key: value for key, value in dns.items() if key != "provider"}
    unknown = sorted(set(settings) - set(PROVIDER_KEYS[provider]))
    if unknown:
        fail(arg, f"unknown key(s) {unknown} for {provider}; allowed: {PROVIDER_KEYS[provider]}")
    if not settings.get("zone") and not settings.get("zone_id"):
        fail(f"{arg}:zone", "the zone's name is required")
    _PROVIDER_CHECKS[provider](settings, arg, pillar)
    zone = canonical_name(settings.pop("zone"), f"{arg}:zone") if settings.get("zone") else None
    return PROVIDER_MODULES[provider], zone, settings


# --- planning -------------------------------------------------------------------------------


def policy_kind(rtype, value):
    """``"SPF"`` or ``"DMARC"`` for a TXT value holding one of those policies, else None."""
    if rtype != "TXT":
        return None
    lowered = value.strip().lower()
    return next(
        (kind for kind, prefix in POLICY_PREFIXES.items() if lowered.startswith(prefix)), None
    )


def _merge(rtype, have, wanted, replace_kinds):
    """``(values, conflicts)`` after adding ``wanted`` to ``have``. A wanted SPF or DMARC
    value replaces another of its kind only when that kind is in ``replace_kinds``."""
    merged, conflicts = list(have), []
    for value in wanted:
        kind = policy_kind(rtype, value)
        rivals = [v for v in merged if v != value and kind and policy_kind(rtype, v) == kind]
        if rivals and kind not in replace_kinds:
            conflicts.append({"kind": kind, "existing": rivals, "wanted": value})
            continue
        merged = [v for v in merged if v not in rivals]
        if value not in merged:
            merged.append(value)
    return sorted(merged), conflicts


def plan_record_set(
    rtype, current, wanted, ttl=None, *, default_ttl=DEFAULT_TTL, exclusive=False, replace_kinds=()
):
    """What one record set becomes. ``current`` is a provider's ``get_records`` answer
    (``{"values": [...], "ttl": N}``, no values when absent), ``wanted`` canonical values.

    - ``exclusive``: ``wanted`` is the whole set; otherwise it is merged into the values
      already there (Route 53 keeps one set per name and type; an SPF or site-verification
      TXT already there stays). A CNAME has one value and is always replaced.
    - ``replace_kinds``: policy kinds (``SPF``, ``DMARC``) whose existing value may be
      replaced; any other rival is a conflict: reported, never overwritten.
    - ``ttl``: ``None`` keeps an existing set's TTL (a new set gets ``default_ttl``).

    Returns ``{"values", "ttl", "conflicts", "changed"}``.
    """
    have = sorted(current.get("values") or [])
    if exclusive or rtype == "CNAME":
        values, conflicts = sorted(set(wanted)), []
    else:
        values, conflicts = _merge(rtype, have, wanted, replace_kinds)
    new_ttl = ttl if ttl is not None else current.get("ttl") if have else default_ttl
    changed = values != have or (bool(have) and new_ttl != current.get("ttl"))
    return {"values": values, "ttl": new_ttl, "conflicts": conflicts, "changed": changed}


def plan_removal(current, unwanted):
    """What one record set becomes once ``unwanted`` (canonical values) are taken out of it;
    other values stay."""
    have = sorted(current.get("values") or [])
    values = [v for v in have if v not in set(unwanted)]
    return {"values": values, "ttl": current.get("ttl"), "conflicts": [], "changed": values != have}


def shown(current):
    """A record set as ``changes`` shows it (``None`` when it has no values)."""
    if not current.get("values"):
        return None
    return {"ttl": current.get("ttl"), "values": sorted(current["values"])}


def conflict_lines(name, rtype, conflicts):
    """Readable lines for the conflicts of one record set."""
    return [
        f"{name} {rtype}: another {c['kind']} value is published "
        f"({'; '.join(repr(v) for v in c['existing'])}); {c['wanted']!r} was not written "
        f"(a name holds one {c['kind']} record: merge them, or say to replace it)"
        for c in conflicts
    ]


def group_records(records):
    """SES-style records (``{"name", "type", "value"[, "priority"]}``) grouped into
    ``{(name, type): [canonical values]}``, in first-seen order."""
    groups = {}
    for record in records:
        name = canonical_name(record["name"])
        value = canonical_value(record["type"], record)
        groups.setdefault((name, record["type"]), [])
        if value not in groups[(name, record["type"])]:
            groups[(name, record["type"])].append(value)
    return groups


def record_key(name, rtype):
    """How ``changes`` names one record set."""
    return f"{name} {rtype}"


def record_step(module, zone, settings, name, rtype, current, plan):
    """The plan step that writes one record set through the provider's ``set_records``."""
    return plans.local_step(
        record_key(name, rtype),
        shown(current),
        shown(plan),
        f"{module}.set_records",
        zone=zone,
        name=name,
        rtype=rtype,
        values=plan["values"],
        ttl=plan["ttl"],
        current={"values": current.get("values") or [], "ttl": current.get("ttl")},
        **settings,
    )


def plan_publish(target, groups, currents, replace_kinds=(), keep_kinds=()):
    """Publishing many record sets (an SES identity's): ``(steps, conflict lines, kept
    lines)``. ``target`` is ``provider_settings``'s answer, ``groups`` ``group_records``'s,
    ``currents`` the provider's ``get_records`` answer per ``(name, type)``. A rival policy
    of a kind in ``keep_kinds`` is kept without complaint (the domain's own DMARC record
    when none was asked for); other rivals are conflicts."""
    module, zone, settings = target
    steps, conflicts, kept = [], [], []
    for (name, rtype), values in groups.items():
        current = currents[(name, rtype)]
        plan = plan_record_set(
            rtype, current, values, default_ttl=DEFAULT_TTLS[module], replace_kinds=replace_kinds
        )
        for conflict in plan["conflicts"]:
            if conflict["kind"] in keep_kinds:
                shown_values = "; ".join(repr(v) for v in conflict["existing"])
                kept.append(
                    f"{name} {rtype}: kept the {conflict['kind']} record there: {shown_values}"
                )
            else:
                conflicts += conflict_lines(name, rtype, [conflict])
        if plan["changed"]:
            steps.append(record_step(module, zone, settings, name, rtype, current, plan))
    return steps, conflicts, kept


def plan_unpublish(target, groups, currents):
    """The steps taking exactly ``groups``' values out of their record sets (other values
    stay)."""
    module, zone, settings = target
    steps = []
    for (name, rtype), values in groups.items():
        current = currents[(name, rtype)]
        plan = plan_removal(current, values)
        if plan["changed"]:
            steps.append(record_step(module, zone, settings, name, rtype, current, plan))
    return steps


def nest_changes(changes, steps, key="dns_records"):
    """Move the ``changes`` entries of record-set ``steps`` under ``changes[key]`` (one
    ``{old, new}`` per record set)."""
    nested = {
        item["field"]: changes.pop(item["field"]) for item in steps if item["field"] in changes
    }
    if nested:
        changes[key] = nested
    return changes
