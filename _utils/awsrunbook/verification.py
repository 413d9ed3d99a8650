"""``ses_identity.present`` with ``verify``: verify an email address identity through an SES
receipt rule, as the runbook's "Verify an email address" does by hand when the domain's mail
goes to AWS (receipt rule → S3 bucket → open the link → deactivate the rule set).

The steps: check the preconditions (the domain is a verified SES identity; its MX points to
SES receiving, or is added for the duration through ``verify: {dns: ...}`` when it has none;
when it points elsewhere the message goes to that mailbox and the state stays pending), set
receiving up, create the identity (SES mails the link), find the one verification link in
the message, request it, poll until SES says ``SUCCESS``, and take receiving down again. The
writes are plan steps (``awsrunbook.state``); the link is a ``Secret`` from the message to the
request and never shown or logged.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from salt.exceptions import CommandExecutionError, SaltInvocationError

from awsrunbook import dnsrecords, plans, receipt, regions, ses
from awsrunbook import state as st

log = logging.getLogger(__name__)

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


class _Run:
    """One verification: the state's ``ret``, the settings and the Salt functions."""

    def __init__(self, ret, settings, conn, region, salt_funcs, opts):
        self.ret = ret
        self.settings = settings
        self.conn = conn
        self.region = region
        self.salt = salt_funcs
        self.test = bool(opts["test"])
        self.address = ret["name"]
        self.domain = receipt.domain_of(self.address)
        self.target = receipt.receiving_target(
            self.address, settings["bucket"], settings["rule_set"], settings["rule"]
        )
        self.what = f"SES identity {self.address}"
        self.pattern = link_pattern(opts, region)

    def call(self, function: str, *args, **kwargs):
        return self.salt[function](*args, **kwargs, **self.conn)

    def describe(self):
        target = self.target
        return self.call(
            "aws_ses_receipt.describe_receiving",
            self.address,
            target["bucket"],
            target["rule_set"],
            target["rule"],
        )

    def apply(self, steps, writes=None, converged="is in the desired state") -> bool:
        return st.run_plan(
            self.ret,
            steps,
            self.salt,
            self.conn,
            self.test,
            self.what,
            writes=writes,
            converged=converged,
        )

    def note(self, *lines: str) -> None:
        self.ret["comment"] = "\n".join(line for line in (self.ret["comment"], *lines) if line)


def _mx_state(run: _Run) -> str:
    """``ses``, ``elsewhere`` or ``missing``; fails when the domain is not a verified identity
    or DNS did not answer."""
    ready = run.call("aws_ses_receipt.receiving_readiness", run.address, run.settings["resolvers"])
    if ready["domain_status"] != "SUCCESS":
        raise CommandExecutionError(
            f"verify: {run.domain} is not a verified SES domain identity in {run.region}: SES "
            "receives mail only for verified domains (verify the domain first)"
        )
    if ready["mx"] in ("timeout", "error"):
        raise CommandExecutionError(
            f"verify: the MX lookup of {run.domain} gave {ready['mx']}: {ready['detail']}"
        )
    return ready["mx"]


def _no_mx(run: _Run):
    return CommandExecutionError(
        f"verify: {run.domain} has no MX record, so SES cannot receive the verification "
        f"message: add '{run.domain}. MX 10 {receipt.inbound_host(run.region)}.' or give "
        "verify:dns to have it added for the duration"
    )


def _mx_steps(run: _Run, found: dict, mx_state: str) -> tuple[list, list]:
    """The steps adding the receiving MX at the DNS host (when there is none) and taking it
    out again (also when a stopped run added it)."""
    target = run.settings["dns"]
    if mx_state == "missing" and target is None:
        raise _no_mx(run)
    if target is None or (mx_state != "missing" and not receipt.remembered(found, "temporary_mx")):
        return [], []
    module, zone, settings = target
    groups = receipt.receiving_mx(run.domain, run.region)
    key = next(iter(groups))
    current = run.salt[f"{module}.get_records"](zone, *key, **settings)
    add, _, _ = dnsrecords.plan_publish(target, groups, {key: current})
    added = {"values": groups[key], "ttl": add[0]["kwargs"]["ttl"]} if add else current
    remove = dnsrecords.plan_unpublish(target, groups, {key: added})
    return (
        [{**item, "field": "temporary_mx"} for item in add],
        [{**item, "field": "cleanup_temporary_mx"} for item in remove],
    )


def _message_steps(run: _Run, current, found, identity_steps) -> tuple[float, list]:
    """``(since, steps)``: when to look for the message from, and the steps that make SES
    send it: the identity's own (creating it), or, for an identity already pending with no
    usable message in the bucket (its run stopped half way), a request for a new one."""
    now = time.time()
    if current is None:
        return now - CLOCK_SKEW, identity_steps
    since = now - USABLE_FOR
    prefix = run.target["prefix"]
    if found["bucket"] and run.call(
        "aws_ses_receipt.list_messages", run.target["bucket"], prefix, since
    ):
        return since, identity_steps
    resend = plans.step(
        "verification_message",
        None,
        "requested again",
        "aws_ses_receipt.resend_verification",
        address=run.address,
    )
    return now - CLOCK_SKEW, [*identity_steps, resend]


def _follow_step(link) -> plans.Step:
    return plans.local_step(
        "verification_link", "not followed", "followed", "aws_ses_receipt.follow_link", link=link
    )


def _find_link(run: _Run, since: float, deadline: float):
    """Poll the bucket (backing off, logging at info level) for a message carrying the
    verification link; the link (a ``Secret``), or ``None`` at the deadline. Mail without
    the link is passed over."""
    return run.call(
        "aws_ses_receipt.wait_for_message",
        run.target["bucket"],
        run.target["prefix"],
        since,
        max(deadline - time.monotonic(), 0),
        accept=lambda raw: receipt.verification_link(raw, run.address, run.pattern),
        what=f"the verification message for {run.address}",
    )


def _confirm(run: _Run, since: float, deadline: float, old_status) -> bool:
    """Find the link, request it, wait for SES to say ``SUCCESS``."""
    link = _find_link(run, since, deadline)
    if link is None:
        run.ret["result"] = False
        run.note(
            f"No verification message for {run.address} arrived within "
            f"{run.settings['timeout']} s; the next run asks SES for a new one."
        )
        return False
    if not run.apply([_follow_step(link)]):
        return False
    remaining = max(deadline - time.monotonic(), 1.0)
    log.info("Waiting up to %.0f s for SES to verify %s", remaining, run.address)
    after = run.call("aws_ses.wait_verified", run.address, remaining)
    if after is None or after["verification_status"] != "SUCCESS":
        run.ret["result"] = False
        run.note(f"{run.address} not verified within {run.settings['timeout']} s.")
        return False
    run.ret["changes"]["verification_status"] = {"old": old_status, "new": "SUCCESS"}
    return True


def _receive(run: _Run, current, identity_steps, mx_state, writes):
    found = run.describe()
    mx_add, mx_remove = _mx_steps(run, found, mx_state)
    setup = receipt.plan_receiving(
        run.target,
        found,
        run.region,
        found["account"],
        regions.partition_of(run.region),
        temporary_mx=bool(mx_add or mx_remove),
    )
    since, request = _message_steps(run, current, found, identity_steps)
    cleanup = receipt.plan_cleanup(run.target, found, run.settings["cleanup"]) + mx_remove
    old_status = current["verification_status"] if current else None
    if run.test:
        run.apply([*mx_add, *setup, *request, _follow_step(None), *cleanup])
        run.ret["changes"]["verification_status"] = {"old": old_status, "new": "SUCCESS"}
        return
    deadline = time.monotonic() + run.settings["timeout"]
    try:
        if run.apply([*mx_add, *setup, *request], writes=writes):
            _confirm(run, since, deadline, old_status)
    except CommandExecutionError as exc:  # a read while waiting: keep the changes made so far
        run.ret["result"] = False
        run.note(f"{run.what}: {exc}")
    finally:
        if cleanup:
            run.apply(cleanup)


def _pending_elsewhere(run: _Run, identity_steps, writes):
    run.apply(identity_steps, writes=writes, converged="exists; its verification is pending")
    if run.ret["result"] is True:
        run.ret["result"] = None
    run.note(
        f"The MX of {run.domain} does not point to SES receiving "
        f"({receipt.inbound_host(run.region)}): the verification message goes to that mail "
        f"server, so check the mailbox of {run.address} and open the link (it expires after "
        "24 hours). Nothing was set up for receiving."
    )


def _converged(run: _Run, identity_steps, writes):
    """The address is verified: the identity's other settings, and receiving taken down if a
    run stopped before doing it."""
    steps = list(identity_steps)
    rule_set = run.call("aws_ses_receipt.describe_rule_set", run.target["rule_set"])
    wanted = receipt.receipt_rule(run.target)
    if rule_set and wanted in rule_set["rules"]:
        found = run.describe()
        steps += receipt.plan_cleanup(run.target, found, run.settings["cleanup"])
        steps += _mx_steps(run, found, "ses")[1]
    run.apply(steps, writes=writes)


def present(  # noqa: PLR0913 - the state's read results and Salt's injected objects
    ret: dict,
    identity_steps: list,
    current: dict | None,
    settings: dict,
    conn: dict,
    region: str,
    salt_funcs: Mapping[str, Callable],
    opts: Mapping[str, Any],
    writes=None,
) -> dict:
    """``ses_identity.present`` for an address with ``verify`` (``settings``:
    ``awsrunbook.receipt.verify_settings``'s answer). ``identity_steps`` are the identity's
    own plan (``plan_identity``), ``current`` its ``aws_ses.get_identity`` answer. Fills and
    returns ``ret``."""
    run = _Run(ret, settings, conn, region, salt_funcs, opts)
    if current is not None and current["verification_status"] == "SUCCESS":
        _converged(run, identity_steps, writes)
    else:
        mx_state = _mx_state(run)
        if mx_state == "elsewhere":
            _pending_elsewhere(run, identity_steps, writes)
        else:
            _receive(run, current, identity_steps, mx_state, writes)
    changed = ret["changes"] and not run.test  # else the state's own read still holds
    after = run.call("aws_ses.get_identity", run.address) if changed else current
    run.note(*ses.status_lines(after, run.address))
    return ret
