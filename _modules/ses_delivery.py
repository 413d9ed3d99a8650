"""Checking delivery by sending (the runbook's "Check DMARC compliance, sending the email
using SES"): a test message sent through SES to an address whose mail SES receives into S3,
read back, and its SPF, DKIM signatures and DMARC result reported. ``aws_ses.check_delivery``
is the entry point; the analysis is ``awsrunbook.mailauth``'s, the receiving
``aws_ses_receipt``'s.

CLI example::

    salt-call ses_delivery.check_delivery ops@example.org check@example.org --out=json
"""

import email.message
import email.utils
import logging
import secrets
import time
from typing import TYPE_CHECKING

from awsrunbook import client as aws
from awsrunbook import dnsrecords as records
from awsrunbook import mailauth, receipt
from awsrunbook import validate as valid
from salt.exceptions import CommandExecutionError

log = logging.getLogger(__name__)

__virtualname__ = "ses_delivery"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__

DEFAULT_TIMEOUT = 300  # seconds for the message to arrive
DNS_TIMEOUT = 5.0
RECEIVER = "amazonses.com"  # the authserv-id SES receiving writes in Authentication-Results
CLOCK_SKEW = 60  # seconds: S3's clock may be behind ours
SUBJECT = "SES delivery check"


def __virtual__():
    return __virtualname__


def _seconds(value, arg):
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if isinstance(value, bool) or not seconds > 0:
        valid.fail(arg, "must be a positive number of seconds", value)
    return seconds


def _arguments(from_address, to_address, resolvers, bucket, rule_set, rule, timeout, dns_timeout):
    """The validated arguments (raises naming the bad one, before any AWS or DNS call)."""
    records.resolver_addresses(resolvers)
    return {
        "from_address": valid.email_address(from_address, "from_address", keep_case=True),
        "to_address": valid.email_address(to_address, "to_address", keep_case=True),
        "resolvers": resolvers,
        "bucket": valid.bucket_name(bucket, "bucket"),
        "rule_set": valid.ses_name(rule_set, "rule_set"),
        "rule": valid.ses_name(rule, "rule"),
        "timeout": _seconds(timeout, "timeout"),
        "dns_timeout": _seconds(dns_timeout, "dns_timeout"),
    }


def probe_message(from_address, to_address, token):
    """The raw test message: plain text, the run's ``token`` in the subject."""
    message = email.message.EmailMessage()
    message["From"] = from_address
    message["To"] = to_address
    message["Subject"] = f"{SUBJECT} {token}"
    message["Date"] = email.utils.formatdate(usegmt=True)
    message.set_content(
        "A test message sent by aws_ses.check_delivery to check SPF, DKIM and DMARC.\n"
        "It is deleted once read; nothing needs to be done with it.\n"
    )
    return message.as_bytes()


def send_raw(from_address, to_address, raw, **kwargs):
    """Send ``raw`` (bytes) from ``from_address`` to ``to_address`` through SES (v2
    ``SendEmail``); SES's message id."""
    sesv2, _ = aws.connect("sesv2", kwargs, __salt__)
    resp = aws.call(
        sesv2,
        "send_email",
        f"{from_address} -> {to_address}",
        FromEmailAddress=from_address,
        Destination={"ToAddresses": [to_address]},
        Content={"Raw": {"Data": raw}},
    )
    return resp["MessageId"]


def verify_dkim(raw, resolvers=None, timeout=DNS_TIMEOUT):
    """Our own verification of each DKIM signature of ``raw`` against DNS (``resolvers``,
    else each name's authoritative nameservers): ``{index: {"verified", "error"}}``."""

    def lookup(name, rtype):
        return __salt__["dns_lookup.lookup"](name, rtype, resolvers, timeout)

    return mailauth.verify_signatures(raw, mailauth.key_lookup(lookup), timeout)


def analyse(raw, resolvers=None, timeout=DNS_TIMEOUT):
    """The SPF, DKIM and DMARC report of a received message (``raw``, bytes)."""
    try:
        author_domain = mailauth.from_domain(mailauth.parse_message(raw))
    except ValueError as exc:
        raise CommandExecutionError(f"the received message: {exc}") from None
    verifications = verify_dkim(raw, resolvers, timeout)
    policy = __salt__["ses_dns.dmarc_policy"](author_domain, resolvers, timeout)
    return mailauth.analyse(raw, verifications, policy, RECEIVER)


def _check_receiving(to_address, resolvers, timeout, conn):
    """Fail before any write when SES cannot receive the test message: its domain must be a
    verified identity and its MX point to SES receiving in the region. A DNS lookup that
    times out is logged and the check goes on (the wait will tell)."""
    ready = __salt__["aws_ses_receipt.receiving_readiness"](to_address, resolvers, timeout, **conn)
    domain, region = ready["domain"], ready["region"]
    status = ready["domain_status"] or "not an SES identity"
    if status != "SUCCESS":
        raise CommandExecutionError(
            f"to_address: SES in {region} receives only for verified domains; {domain} is {status}"
        )
    if ready["mx"] in ("timeout", "error"):
        log.info("MX of %s: lookup %s (%s); sending anyway", domain, ready["mx"], ready["detail"])
    elif ready["mx"] != "ses":
        where = ", ".join(ready["mx_values"]) or "nowhere (no MX record)"
        raise CommandExecutionError(
            f"to_address: the MX of {domain} points to {where}, not "
            f"{receipt.inbound_host(region)}: SES would not receive the test message"
        )


def _receive(args, token, conn):
    """Send the test message and wait for it; its raw bytes and SES's message id."""
    since = time.time() - CLOCK_SKEW
    raw = probe_message(args["from_address"], args["to_address"], token)
    message_id = send_raw(args["from_address"], args["to_address"], raw, **conn)
    log.info("Sent test message %s; waiting up to %.0f s for it", message_id, args["timeout"])
    received = __salt__["aws_ses_receipt.wait_for_message"](
        args["bucket"], receipt.prefix_of(args["to_address"]), since, args["timeout"], **conn
    )
    if received is None:
        raise CommandExecutionError(
            f"the test message {message_id} did not arrive in s3://{args['bucket']}/"
            f"{receipt.prefix_of(args['to_address'])} within {args['timeout']:.0f} s: is "
            f"{receipt.domain_of(args['to_address'])} a verified SES domain whose MX points to "
            "SES receiving in this region?"
        )
    return received, message_id


def check_delivery(
    from_address,
    to_address,
    resolvers=None,
    bucket=receipt.DEFAULT_BUCKET,
    rule_set=receipt.DEFAULT_RULE_SET,
    rule=receipt.DEFAULT_RULE,
    timeout=DEFAULT_TIMEOUT,
    dns_timeout=DNS_TIMEOUT,
    **kwargs,
):
    """Send a test message from ``from_address`` (an SES-verified address or one of a
    verified domain) to ``to_address`` (whose domain SES receives: verified, MX to SES),
    receive it into ``bucket`` through ``rule_set``/``rule`` (made for the run, then
    removed; the rule set active before is active again), and report its SPF, DKIM and
    DMARC. See ``aws_ses.check_delivery``."""
    conn = aws.split_connection_args(kwargs)
    valid.no_unknown(kwargs, "check_delivery")
    args = _arguments(
        from_address, to_address, resolvers, bucket, rule_set, rule, timeout, dns_timeout
    )
    _check_receiving(args["to_address"], args["resolvers"], args["dns_timeout"], conn)
    token = secrets.token_hex(8)
    setup = __salt__["aws_ses_receipt.setup_receiving"](
        args["to_address"], args["bucket"], args["rule_set"], args["rule"], **conn
    )
    try:
        raw, message_id = _receive(args, token, conn)
    finally:
        cleanup = __salt__["aws_ses_receipt.cleanup_receiving"](setup["restore"], True, **conn)
    report = analyse(raw, args["resolvers"], args["dns_timeout"])
    if token not in report["subject"]:
        raise CommandExecutionError(
            f"another message than the test message arrived for {args['to_address']}: "
            f"{report['subject']!r}"
        )
    return {
        "from": args["from_address"],
        "to": args["to_address"],
        "message_id": message_id,
        **report,
        "receiving": {"set_up": sorted(setup["changes"]), "cleaned_up": sorted(cleanup)},
    }
