"""Verifying an email address identity through an SES receipt rule, pure: what
``ses_identity.present`` with ``verify`` decides from what it read, as the runbook's "Verify
an email address" does by hand when the domain's mail goes to AWS (receipt rule → S3 bucket →
open the link → deactivate the rule set).

The state (``_states/ses_identity.py``) does the reads and applies the plans: it checks the
preconditions (the domain is a verified SES identity; its MX points to SES receiving, or is
added for the duration through ``verify: {dns: ...}`` when it has none; when it points
elsewhere the message goes to that mailbox and the state stays pending), sets receiving up,
creates the identity (SES mails the link), finds the one verification link in the message,
requests it, polls until SES says ``SUCCESS``, and takes receiving down again. The link is a
``Secret`` from the message to the request and never shown or logged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from salt.exceptions import CommandExecutionError, SaltInvocationError

from awsrunbook import dnsrecords, plans, receipt

# S3's clock against ours: a message stored just before we looked still counts.
CLOCK_SKEW = 60
# A message older than this is not used: its link may expire before it is requested.
USABLE_FOR = receipt.LINK_LIFETIME_SECONDS - 600


def link_pattern(opts: Mapping[str, Any], region: str) -> str:
    """The accepted verification link pattern: the minion config's
    ``aws_runbook_verification_link_pattern`` (never a state argument or pillar), else AWS's
    host for ``region``."""
    pattern = opts.get(receipt.LINK_PATTERN_OPTION) or receipt.default_link_pattern(region)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise SaltInvocationError(
            f"{receipt.LINK_PATTERN_OPTION} (minion config): not a regular expression: {exc}"
        ) from None
    return pattern


def mx_state(ready: Mapping[str, Any], domain: str, region: str) -> str:
    """``ses``, ``elsewhere`` or ``missing`` (``ready``: ``aws_ses_receipt.receiving_readiness``'s
    answer for an address of ``domain``); fails when the domain is not a verified identity or
    DNS did not answer."""
    if ready["domain_status"] != "SUCCESS":
        raise CommandExecutionError(
            f"verify: {domain} is not a verified SES domain identity in {region}: SES "
            "receives mail only for verified domains (verify the domain first)"
        )
    if ready["mx"] in ("timeout", "error"):
        raise CommandExecutionError(
            f"verify: the MX lookup of {domain} gave {ready['mx']}: {ready['detail']}"
        )
    return ready["mx"]


def mx_key(settings: Mapping[str, Any], found: Mapping[str, Any], mx: str, domain: str, region):
    """The ``(name, type)`` of the receiving MX when the run adds it at the DNS host (there is
    none) or takes it out again (a stopped run added it); ``None`` when it does neither. Fails
    when there is no MX and no ``verify:dns`` to add it."""
    if mx == "missing" and settings["dns"] is None:
        raise CommandExecutionError(
            f"verify: {domain} has no MX record, so SES cannot receive the verification "
            f"message: add '{domain}. MX 10 {receipt.inbound_host(region)}.' or give "
            "verify:dns to have it added for the duration"
        )
    if settings["dns"] is None or (
        mx != "missing" and not receipt.remembered(found, "temporary_mx")
    ):
        return None
    return next(iter(receipt.receiving_mx(domain, region)))


def mx_steps(target, domain: str, region: str, current) -> tuple[list, list]:
    """The steps adding the receiving MX at the DNS host ``target`` (when its record set,
    ``current``, lacks it) and taking it out again."""
    groups = receipt.receiving_mx(domain, region)
    key = next(iter(groups))
    add, _, _ = dnsrecords.plan_publish(target, groups, {key: current})
    added = {"values": groups[key], "ttl": add[0]["kwargs"]["ttl"]} if add else current
    remove = dnsrecords.plan_unpublish(target, groups, {key: added})
    return (
        [{**item, "field": "temporary_mx"} for item in add],
        [{**item, "field": "cleanup_temporary_mx"} for item in remove],
    )


def message_steps(current, usable_message: bool, identity_steps, address, now) -> tuple:
    """``(since, steps)``: when to look for the message from, and the steps that make SES
    send it: the identity's own (creating it), or, for an identity already pending with no
    usable message in the bucket (``usable_message``: its run stopped half way), a request
    for a new one."""
    if current is None:
        return now - CLOCK_SKEW, identity_steps
    if usable_message:
        return now - USABLE_FOR, identity_steps
    resend = plans.step(
        "verification_message",
        None,
        "requested again",
        "aws_ses_receipt.resend_verification",
        address=address,
    )
    return now - CLOCK_SKEW, [*identity_steps, resend]


def follow_step(link) -> plans.Step:
    return plans.local_step(
        "verification_link", "not followed", "followed", "aws_ses_receipt.follow_link", link=link
    )


def status_change(current) -> dict:
    """The ``changes`` entry of a verification: from the status found to ``SUCCESS``."""
    return {"old": current["verification_status"] if current else None, "new": "SUCCESS"}


def rule_left_over(target, rule_set) -> bool:
    """Whether the run's receipt rule is still in its rule set (a run stopped before its
    cleanup)."""
    return bool(rule_set) and receipt.receipt_rule(target) in rule_set["rules"]


def elsewhere_note(domain: str, address: str, region: str) -> str:
    return (
        f"The MX of {domain} does not point to SES receiving "
        f"({receipt.inbound_host(region)}): the verification message goes to that mail "
        f"server, so check the mailbox of {address} and open the link (it expires after "
        "24 hours). Nothing was set up for receiving."
    )
