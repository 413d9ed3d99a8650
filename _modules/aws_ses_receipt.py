"""Amazon SES receiving into S3: receipt rule sets and rules, the active rule set, the bucket
the mail lands in, and the messages there. Behind ``ses_identity``'s ``verify`` (address
verification through a receipt rule) and ``aws_ses.check_delivery`` (a test message received
back through SES).

Reusable as plain functions: ``setup_receiving`` (bucket, policy, rule set and rule for one
address; returns what ``cleanup_receiving`` needs), ``wait_for_message`` (the raw bytes of
the first message stored for the address since a time) and ``cleanup_receiving``.

Every function accepts the connection arguments ``region``, ``profile``, ``keyid``, ``key``
and ``role_arn`` (see README); without them boto3's environment and config are used.

CLI examples::

    salt-call aws_ses_receipt.describe_receiving ops@example.org region=eu-west-1
    salt-call aws_ses_receipt.list_messages ocp-aws-verification ops@example.org/
"""

import http.client
import json
import logging
import time
import urllib.parse
from typing import TYPE_CHECKING

from awsrunbook import client as aws
from awsrunbook import errors, plans, receipt, regions, secrets
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "aws_ses_receipt"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__

LINK_TIMEOUT = 10  # seconds, for requesting the verification link
MAX_REDIRECTS = 3


def __virtual__():
    return __virtualname__


def _ses(kwargs):
    return aws.connect("ses", kwargs, __salt__)


def _s3(kwargs):
    return aws.connect("s3", kwargs, __salt__)


# --- receipt rules --------------------------------------------------------------------------


def describe_active_rule_set(**kwargs):
    """The name of the active receipt rule set (``None`` when none is active)."""
    ses, _ = _ses(kwargs)
    resp = aws.call(ses, "describe_active_receipt_rule_set", "the active receipt rule set")
    return (resp.get("Metadata") or {}).get("Name")


def describe_rule_set(rule_set, **kwargs):
    """``{"name", "rules"}`` of the receipt rule set (``None`` when it does not exist)."""
    ses, _ = _ses(kwargs)
    resp = aws.call(
        ses,
        "describe_receipt_rule_set",
        rule_set,
        none_if=errors.NotFound,
        RuleSetName=rule_set,
    )
    return None if resp is None else {"name": rule_set, "rules": resp.get("Rules") or []}


def create_rule_set(rule_set, **kwargs):
    ses, _ = _ses(kwargs)
    aws.call(ses, "create_receipt_rule_set", rule_set, RuleSetName=rule_set)
    return True


def create_rule(rule_set, rule, **kwargs):
    """Add ``rule`` (a ``ReceiptRule``) first in ``rule_set``. SES tests that it may write to
    the rule's bucket, so the bucket policy must be in place."""
    ses, _ = _ses(kwargs)
    aws.call(
        ses, "create_receipt_rule", f"{rule_set}/{rule['Name']}", RuleSetName=rule_set, Rule=rule
    )
    return True


def update_rule(rule_set, rule, **kwargs):
    ses, _ = _ses(kwargs)
    aws.call(
        ses, "update_receipt_rule", f"{rule_set}/{rule['Name']}", RuleSetName=rule_set, Rule=rule
    )
    return True


def delete_rule(rule_set, rule, **kwargs):
    ses, _ = _ses(kwargs)
    aws.call(ses, "delete_receipt_rule", f"{rule_set}/{rule}", RuleSetName=rule_set, RuleName=rule)
    return True


def delete_rule_set(rule_set, **kwargs):
    ses, _ = _ses(kwargs)
    aws.call(ses, "delete_receipt_rule_set", rule_set, RuleSetName=rule_set)
    return True


def set_active_rule_set(rule_set=None, **kwargs):
    """Make ``rule_set`` the active one (``None``: no rule set active)."""
    ses, _ = _ses(kwargs)
    params = {"RuleSetName": rule_set} if rule_set else {}
    aws.call(ses, "set_active_receipt_rule_set", rule_set or "(none)", **params)
    return True


def activate_rule_set(rule_set, bucket, record, remember, **kwargs):
    """Make ``rule_set`` active, first writing ``remember`` (the rule set active until now,
    ``previous_active``, and what else the cleanup needs) into the object ``record`` of
    ``bucket``, so that a run that stops before its cleanup leaves the next run able to
    finish it."""
    s3, conn = _s3(dict(kwargs))
    body = json.dumps(remember).encode()
    aws.call(s3, "put_object", f"{bucket}/{record}", Bucket=bucket, Key=record, Body=body)
    return set_active_rule_set(rule_set, **conn)


# --- the bucket -----------------------------------------------------------------------------


def get_bucket_policy(bucket, **kwargs):
    """The bucket policy (JSON text), ``None`` when it has none."""
    s3, _ = _s3(kwargs)
    resp = aws.call(s3, "get_bucket_policy", bucket, none_if=errors.NotConfigured, Bucket=bucket)
    return resp["Policy"] if resp else None


def put_bucket_policy(bucket, policy, **kwargs):
    s3, _ = _s3(kwargs)
    aws.call_after_create(s3, "put_bucket_policy", bucket, Bucket=bucket, Policy=policy)
    return True


def _read_record(bucket, key, kwargs):
    s3, _ = _s3(kwargs)
    resp = aws.call(
        s3, "get_object", f"{bucket}/{key}", none_if=errors.NotFound, Bucket=bucket, Key=key
    )
    return json.loads(resp["Body"].read()) if resp else None


def list_messages(bucket, prefix, since=None, **kwargs):
    """The messages stored under ``prefix``, oldest first: ``[{"key", "received"}]``
    (``received``: epoch seconds), only those stored at or after ``since`` (epoch seconds).
    SES's setup notification and the run's record are not messages."""
    s3, _ = _s3(kwargs)
    found = []
    with aws.aws_errors("ListObjectsV2", f"{bucket}/{prefix}"):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(prefix) :]
                received = item["LastModified"].timestamp()
                skip = name in (receipt.SETUP_NOTIFICATION, receipt.RECORD_NAME)
                if not skip and (since is None or received >= since):
                    found.append({"key": item["Key"], "received": received})
    return sorted(found, key=lambda item: item["received"])


def get_message(bucket, key, **kwargs):
    """The raw message (bytes) stored at ``key``."""
    s3, _ = _s3(kwargs)
    resp = aws.call(s3, "get_object", f"{bucket}/{key}", Bucket=bucket, Key=key)
    return resp["Body"].read()


def delete_messages(bucket, prefix, **kwargs):
    """Delete every object under ``prefix`` (messages, setup notification, record)."""
    s3, _ = _s3(kwargs)
    with aws.aws_errors("ListObjectsV2", f"{bucket}/{prefix}"):
        pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix))
    keys = [{"Key": item["Key"]} for page in pages for item in page.get("Contents", [])]
    for start in range(0, len(keys), 1000):  # DeleteObjects takes up to 1000 keys
        delete = {"Objects": keys[start : start + 1000], "Quiet": True}
        aws.call(s3, "delete_objects", bucket, Bucket=bucket, Delete=delete)
    return True


def _newest_accepted(bucket, prefix, since, accept, seen, kwargs):
    """What ``accept`` makes of the newest message not ``seen`` yet that it takes (``None``
    when none); each message is read once."""
    for item in reversed(list_messages(bucket, prefix, since, **kwargs)):
        if item["key"] in seen:
            continue
        seen.add(item["key"])
        answer = accept(get_message(bucket, item["key"], **kwargs))
        if answer is not None:
            return answer
        log.info("A message under s3://%s/%s is not the one awaited: ignored", bucket, prefix)
    return None


def wait_for_message(bucket, prefix, since, timeout, accept=None, what="mail", **kwargs):
    """Poll ``bucket`` (backing off from 2 s to 15 s, logging at info level that ``what`` is
    awaited) until a message stored under ``prefix`` at or after ``since`` (epoch seconds)
    is there; its raw bytes, or ``None`` when ``timeout`` seconds passed first. The newest
    such message wins. ``accept`` (from Python, not the CLI): a function of the raw bytes;
    messages it answers ``None`` for are passed over, and its answer for the first one it
    takes is returned instead of the bytes."""
    deadline = time.monotonic() + float(timeout)
    seen, delay = set(), 2.0
    while True:
        found = _newest_accepted(bucket, prefix, since, accept or (lambda raw: raw), seen, kwargs)
        if found is not None:
            return found
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            log.info("No %s under s3://%s/%s after %s s", what, bucket, prefix, timeout)
            return None
        log.info("Waiting for %s in s3://%s/%s (%.0f s left)", what, bucket, prefix, remaining)
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 15.0)


# --- receiving for one address --------------------------------------------------------------


def describe_receiving(
    address,
    bucket=receipt.DEFAULT_BUCKET,
    rule_set=receipt.DEFAULT_RULE_SET,
    rule=receipt.DEFAULT_RULE,
    **kwargs,
):
    """What receiving for ``address`` looks like now: ``{"receiving", "bucket" (as
    ``aws_s3.describe_bucket`` gives it), "bucket_policy", "rule_set", "active_rule_set",
    "record", "account", "region"}``. The bucket must be in the connection's region."""
    conn = aws.split_connection_args(kwargs)
    region = aws.region_of(conn, __salt__.get("config.option"))
    target = receipt.receiving_target(address, bucket, rule_set, rule)
    found_bucket = __salt__["aws_s3.describe_bucket"](bucket, **conn)
    if found_bucket and found_bucket["region"] != region:
        raise CommandExecutionError(
            f"bucket {bucket} is in {found_bucket['region']}: SES in {region} can only "
            "deliver to a bucket in its own region (choose another bucket name)"
        )
    return {
        "receiving": target,
        "bucket": found_bucket,
        "bucket_policy": get_bucket_policy(bucket, **conn) if found_bucket else None,
        "rule_set": describe_rule_set(rule_set, **conn),
        "active_rule_set": describe_active_rule_set(**conn),
        "record": _read_record(bucket, target["prefix"] + receipt.RECORD_NAME, conn)
        if found_bucket
        else None,
        "account": __salt__["aws_sts.caller_identity"](**conn)["account"],
        "region": region,
    }


def receiving_readiness(address, resolvers=None, timeout=None, **kwargs):
    """Whether SES in the connection's region can receive mail for ``address``: its domain must
    be a verified SES identity there and its MX point to SES receiving.
    ``{"domain", "region", "domain_status"`` (``SUCCESS``, another verification status, or
    ``None``: not an identity), ``"mx"`` (``awsrunbook.receipt.mx_state``), ``"mx_values",
    "detail"}``. ``resolvers``/``timeout``: for the MX lookup.

    CLI example::

        salt-call aws_ses_receipt.receiving_readiness check@example.org region=eu-west-1
    """
    conn = aws.split_connection_args(kwargs)
    domain = receipt.domain_of(address)
    region = aws.region_of(conn, __salt__.get("config.option"))
    found = __salt__["aws_ses.get_identity"](domain, **conn)
    limit = {} if timeout is None else {"timeout": timeout}
    answer = __salt__["dns_lookup.lookup"](domain, "MX", resolvers, **limit)
    return {
        "domain": domain,
        "region": region,
        "domain_status": found and found["verification_status"],
        "mx": receipt.mx_state(answer, region),
        "mx_values": answer["values"],
        "detail": answer["detail"],
    }


def _apply(steps, what, conn):
    """Make the calls of ``steps`` (``awsrunbook.receipt``'s plan) in order; their ``changes``.
    A failing call stops there, naming what was done before it: the next call converges from
    there. (A state applies the same plans through the engine, ``ses_identity``'s
    ``verify``.)"""
    done = []
    for item in steps:
        try:
            __salt__[item["call"]](**item["kwargs"], **(conn if item["aws"] else {}))
        except (CommandExecutionError, SaltInvocationError) as exc:
            made = ", ".join(plans.changes_of(done)) or "nothing"
            raise CommandExecutionError(
                f"{what}: {item['field']} failed: {exc}\nDone before this: {made}."
            ) from None
        done.append(item)
    return plans.changes_of(done)


def setup_receiving(
    address,
    bucket=receipt.DEFAULT_BUCKET,
    rule_set=receipt.DEFAULT_RULE_SET,
    rule=receipt.DEFAULT_RULE,
    **kwargs,
):
    """Make SES receive mail for ``address`` into ``bucket`` under the prefix ``ADDRESS/``:
    the bucket (public access blocked, objects expire after a day, the policy SES needs),
    ``rule_set`` with ``rule`` (recipient: exactly ``address``), ``rule_set`` active.
    Returns ``{"changes", "restore"}``: ``restore`` is what ``cleanup_receiving`` takes.
    The address's domain must be a verified SES identity whose MX points to SES.

    CLI example::

        salt-call aws_ses_receipt.setup_receiving check@example.org region=eu-west-1
    """
    conn = aws.split_connection_args(kwargs)
    found = describe_receiving(address, bucket, rule_set, rule, **conn)
    region = found["region"]
    partition = regions.partition_of(region)
    steps = receipt.plan_receiving(found["receiving"], found, region, found["account"], partition)
    changes = _apply(steps, f"SES receiving for {address}", conn)
    return {"changes": changes, "restore": found}


def cleanup_receiving(restore, cleanup=True, **kwargs):
    """Undo ``setup_receiving`` (``restore`` is its answer's ``restore``): the rule set that
    was active before (or none) active again, the rule deleted, the rule set too when no
    other rule is left, the received messages deleted; ``cleanup="all"`` deletes the bucket
    too. Returns the changes."""
    conn = aws.split_connection_args(kwargs)
    steps = receipt.plan_cleanup(restore["receiving"], restore, cleanup)
    return _apply(steps, f"SES receiving for {restore['receiving']['address']}", conn)


# --- address verification -------------------------------------------------------------------


def resend_verification(address, **kwargs):
    """Ask SES to send the verification message for ``address`` again (v1
    ``VerifyEmailIdentity`` on an existing identity does that)."""
    ses, _ = _ses(kwargs)
    aws.call(ses, "verify_email_identity", address, EmailAddress=address)
    return True


def _request(url):
    parts = urllib.parse.urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.netloc, timeout=LINK_TIMEOUT)
    try:
        path = parts.path or "/"
        connection.request("GET", f"{path}?{parts.query}" if parts.query else path)
        response = connection.getresponse()
        response.read(65536)
        return response.status, response.getheader("Location")
    finally:
        connection.close()


def follow_link(link, **kwargs):
    """Request the verification link ``link`` (an ``awsrunbook.secrets.Secret``, or the URL):
    GET, a short timeout, redirects only within the same host. Returns the HTTP status.
    Neither the link nor its token is ever logged or put in an error."""
    url = link.value if isinstance(link, secrets.Secret) else str(link)
    host = urllib.parse.urlsplit(url).netloc
    for _ in range(MAX_REDIRECTS + 1):
        try:
            status, location = _request(url)
        except (OSError, http.client.HTTPException) as exc:
            raise CommandExecutionError(
                f"requesting the verification link at {host} failed: {type(exc).__name__}"
            ) from None
        if status not in (301, 302, 303, 307, 308) or not location:
            break
        url = urllib.parse.urljoin(url, location)
        if urllib.parse.urlsplit(url).netloc != host:
            raise CommandExecutionError(
                f"the verification link at {host} redirects to another host: not followed"
            )
    if not 200 <= status < 300:
        raise CommandExecutionError(f"the verification link at {host} answered HTTP {status}")
    return status
