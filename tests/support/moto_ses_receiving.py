"""SES receiving for moto (5.2.x), which does not receive mail, as the AWS API reference and
the SES developer guide document it.

Loaded into the moto server the integration tests start (``PATCH_MODULES`` in
``tests/support/moto_server.py``) and in-process by the functional tests (``apply()``;
idempotent). ``apply()`` fills each gap below only where its check (``FILLS``, run by
``moto_gaps``) finds it in the installed moto. Each was seen in moto 5.2.5 and 5.2.6:

 1. ``ses-delete-receipt-rule``: ``DeleteReceiptRule`` was not implemented (500). Now it
    removes the rule (a rule that is not there is no error; a rule set that is not there is
    ``RuleSetDoesNotExist``).
 2. ``ses-receipt-rule-unique-names``: ``CreateReceiptRule`` accepted a second rule with a
    name already in the rule set. Now ``AlreadyExists``.
 3. ``ses-receipt-rule-s3-permission``: ``CreateReceiptRule`` with an S3 action only checked
    that the bucket exists. Now, as on AWS, it fails with ``InvalidS3Configuration: Could not
    write to bucket`` unless the bucket policy lets ``ses.amazonaws.com`` ``s3:PutObject``,
    and then stores SES's ``AMAZON_SES_SETUP_NOTIFICATION`` object under the rule's prefix.
 4. ``ses-receiving-verification-message``: creating an address identity (v1
    ``VerifyEmailIdentity``, v2 ``CreateEmailIdentity``) verified it at once and sent
    nothing. Now, when an active rule receives for the address, the identity stays
    ``PENDING`` and SES's verification message (MIME, quoted-printable, from
    ``no-reply-aws@amazon.com``, the ``email-verification`` link format) is delivered;
    ``VerifyEmailIdentity`` on a pending address sends a new one. The link points at
    ``link_base`` (``LinkServer`` of a test, or ``$AWSRUNBOOK_VERIFICATION_LINK_BASE``;
    AWS's host by default); requesting a link that was issued marks the identity verified.

Not a patch of moto, so always there: moto receives nothing, and ``deliver(region,
recipient, raw)`` puts a message where the active rule set's first matching rule with an S3
action says (bucket, prefix plus a message id), as SES receiving does, and only for a
recipient whose domain is a verified identity in the region; the fill of gap 4 and
``moto_ses_sending_delivery`` use it. ``receiving_probe_setup`` is what their checks share.
"""

import datetime
import email.message
import email.utils
import http.server
import json
import os
import secrets
import threading
import time
import urllib.parse

from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import EmptyResult
from moto.s3.models import s3_backends
from moto.ses import models as ses_models
from moto.ses import responses as ses_responses
from moto.ses.exceptions import AlreadyExists, InvalidS3ConfigurationException, RuleSetDoesNotExist
from moto.sesv2 import models as v2_models

from tests.support import moto_gaps

_MARK = "_awsrunbook_receiving"
SETUP_NOTIFICATION = "AMAZON_SES_SETUP_NOTIFICATION"
AWS_SENDER = "no-reply-aws@amazon.com"

# Where issued verification links point (a test's LinkServer sets it).
link_base = os.environ.get("AWSRUNBOOK_VERIFICATION_LINK_BASE")
# Extra lines a test puts into the next verification messages (e.g. a second, malicious link).
extra_lines = []
# token -> (account, region, address) of every verification link issued.
_issued = {}
_lock = threading.Lock()


# --- receiving ------------------------------------------------------------------------------


def _matches(rule, recipient):
    """Whether ``rule`` receives for ``recipient`` (an address, a domain, or ``.domain`` for
    its subdomains, as SES matches recipients; no recipient: every address)."""
    recipients = rule.get("Recipients") or []
    if not recipients:
        return True
    domain = recipient.rsplit("@", 1)[-1].lower()
    for wanted in recipients:
        wanted_lower = wanted.lower()
        if "@" in wanted and wanted == recipient:
            return True
        if "@" not in wanted and (
            domain == wanted_lower
            or (wanted_lower.startswith(".") and domain.endswith(wanted_lower))
        ):
            return True
    return False


def _s3_action(backend, recipient):
    rule_set = backend.describe_active_receipt_rule_set()
    domain = backend.email_identities.get(recipient.rsplit("@", 1)[-1].lower())
    # SES receives only for domains verified in the region.
    if rule_set is None or domain is None or domain.verification_status != "SUCCESS":
        return None
    for rule in rule_set.rules:
        if rule.get("Enabled", False) in (True, "true") and _matches(rule, recipient):
            for action in rule.get("Actions") or []:
                if "S3Action" in action:
                    return action["S3Action"]
    return None


def _put(backend, bucket, key, body):
    s3 = s3_backends[backend.account_id][backend.partition]
    s3.put_object(bucket, key, body)


def deliver(region, recipient, raw, account_id=DEFAULT_ACCOUNT_ID):
    """Receive the message ``raw`` (bytes) for ``recipient`` as SES in ``region`` would: into
    the bucket and prefix of the active rule set's first matching rule with an S3 action.
    Returns the object key, or ``None`` when no active rule receives for the address."""
    backend = ses_models.ses_backends[account_id][region]
    action = _s3_action(backend, recipient)
    if action is None:
        return None
    key = (action.get("ObjectKeyPrefix") or "") + secrets.token_hex(20)
    _put(backend, action["BucketName"], key, raw)
    return key


# --- the verification message ---------------------------------------------------------------


def verification_message(region, account_id, address, token):
    """SES's "Email Address Verification Request" for ``address`` (raw bytes)."""
    base = link_base or f"https://email-verification.{region}.amazonaws.com/"
    now = datetime.datetime.now(datetime.timezone.utc)
    query = urllib.parse.urlencode(
        {
            "Context": account_id,
            "X-Amz-Date": now.strftime("%Y%m%dT%H%M%SZ"),
            "Identity.IdentityName": address,
            "Identity.IdentityType": "EmailAddress",
            "Operation": "ConfirmVerification",
            "Namespace": "Bacon",
            "X-Amz-Signature": token,
        }
    )
    message = email.message.EmailMessage()
    message["From"] = f"Amazon Web Services <{AWS_SENDER}>"
    message["To"] = address
    message["Subject"] = (
        f"Amazon Web Services - Email Address Verification Request in region {region}"
    )
    message["Date"] = email.utils.format_datetime(now)
    message["Message-ID"] = f"<{secrets.token_hex(16)}@email.amazonses.com>"
    body = "\n".join(
        [
            "Dear Amazon Web Services Customer,",
            "",
            "We have received a request to authorize this email address for use with Amazon "
            f"SES and Amazon Pinpoint in region {region}. If you requested this verification, "
            "please go to the following URL to confirm that you are authorized to use this "
            "email address:",
            "",
            f"{base}?{query}",
            "",
            "Your request will not be processed unless you confirm the address using this URL. "
            "This link expires 24 hours after your original verification request.",
            *extra_lines,
            "",
            "Sincerely,",
            "",
            "The Amazon Web Services Team.",
        ]
    )
    message.set_content(body, cte="quoted-printable")
    return message.as_bytes()


def _send_verification(backend, address):
    """When an active rule receives for ``address``: keep it pending and deliver the
    verification message."""
    if "@" not in address or _s3_action(backend, address) is None:
        return
    identity = backend.email_identities[address]
    if identity.verification_status == "SUCCESS":
        return
    token = secrets.token_hex(32)
    with _lock:
        _issued[token] = (backend.account_id, backend.region_name, address)
    raw = verification_message(backend.region_name, backend.account_id, address, token)
    deliver(backend.region_name, address, raw, backend.account_id)


def confirm(token):
    """What requesting a link does: the identity it names is verified. False for a token
    never issued."""
    with _lock:
        issued = _issued.get(token)
    if issued is None:
        return False
    account_id, region, address = issued
    found = ses_models.ses_backends[account_id][region].email_identities.get(address)
    if found is not None:
        found.verification_status = "SUCCESS"
    return found is not None


class LinkServer:
    """The test's stand-in for ``email-verification.REGION.amazonaws.com``: an HTTP server on
    127.0.0.1 that confirms issued links and records every request path (``requests``).
    While ``holding`` is set, a link request is kept waiting without being confirmed and
    ``held`` is set (a test kills the caller meanwhile)."""

    HOLD_SECONDS = 30

    def __init__(self):
        self.requests = []
        self.holding = threading.Event()
        self.held = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if server.holding.is_set():
                    server.held.set()
                    time.sleep(server.HOLD_SECONDS)
                    return
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                token = (query.get("X-Amz-Signature") or [""])[0]
                ok = self.path.startswith("/verify") and confirm(token)
                self.send_response(200 if ok else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # the links are secrets: not on stderr either
                return

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        global link_base
        link_base = f"{self.url}/verify"
        self._thread.start()
        return self

    def stop(self):
        global link_base
        link_base = os.environ.get("AWSRUNBOOK_VERIFICATION_LINK_BASE")
        self._httpd.shutdown()
        self._thread.join()


# --- patched backend and responses ----------------------------------------------------------


def _allows_ses(backend, bucket_name):
    s3 = s3_backends[backend.account_id][backend.partition]
    bucket = s3.buckets.get(bucket_name)
    if bucket is None or not bucket.policy:
        return False
    for statement in json.loads(bucket.policy).get("Statement", []):
        actions = statement.get("Action")
        actions = [actions] if isinstance(actions, str) else actions or []
        service = (statement.get("Principal") or {}).get("Service")
        allowed = "s3:PutObject" in actions or "s3:*" in actions
        if statement.get("Effect") == "Allow" and service == "ses.amazonaws.com" and allowed:
            return True
    return False


def _wrap_unique_rule_names(original):
    def create_receipt_rule(self, rule_set_name, rule, after):
        rule_set = self.receipt_rule_set.get(rule_set_name)
        if rule_set is not None and any(r["Name"] == rule["Name"] for r in rule_set.rules):
            raise AlreadyExists(f"Rule already exists: {rule['Name']}")
        return original(self, rule_set_name, rule, after)

    return create_receipt_rule


def _wrap_s3_permission(original):
    def create_receipt_rule(self, rule_set_name, rule, after):
        s3_actions = [a["S3Action"] for a in rule.get("Actions") or [] if "S3Action" in a]
        for action in s3_actions:
            if not _allows_ses(self, action["BucketName"]):
                raise InvalidS3ConfigurationException(
                    f"Could not write to bucket: {action['BucketName']}"
                )
        original(self, rule_set_name, rule, after)
        for action in s3_actions:
            key = (action.get("ObjectKeyPrefix") or "") + SETUP_NOTIFICATION
            _put(self, action["BucketName"], key, b"Amazon SES setup notification.")

    return create_receipt_rule


def delete_receipt_rule(self, rule_set_name, rule_name):
    rule_set = self.receipt_rule_set.get(rule_set_name)
    if rule_set is None:
        raise RuleSetDoesNotExist(f"Rule set does not exist: {rule_set_name}")
    rule_set.rules = [r for r in rule_set.rules if r["Name"] != rule_name]


def _delete_rule_response(self):
    self.backend.delete_receipt_rule(self._get_param("RuleSetName"), self._get_param("RuleName"))
    return EmptyResult()


def _new_address(backend, identity, address):
    """A new address identity: pending, and the message sent, when a rule receives for it."""
    if "@" in address and _s3_action(backend, address) is not None:
        identity.verification_status = "PENDING"
        _send_verification(backend, address)


def _wrap_v1_verify(original):
    def verify_email_identity(self, address):
        _, address = email.utils.parseaddr(address)
        existed = address in self.email_identities
        original(self, address)
        identity = self.email_identities[address]
        if not existed:
            _new_address(self, identity, address)
        elif identity.verification_status != "SUCCESS":
            _send_verification(self, address)

    return verify_email_identity


def _wrap_v2_create(original):
    def create_email_identity(self, email_identity, *args, **kwargs):
        identity = original(self, email_identity, *args, **kwargs)
        _new_address(self.core_backend, identity, email_identity)
        return identity

    return create_email_identity


# --- checks: is the gap there in the installed moto? ----------------------------------------

PROBE_DOMAIN = "moto-gap-probe.example"
_PROBE_BUCKET = "awsrunbook-moto-gap-probe"
_PROBE_RULE_SET = "moto-gap-probe"
_PROBE_PREFIX = "inbox/"


def _ses_may_write(bucket):
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "ses.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _store_rule(name="store", bucket=_PROBE_BUCKET):
    action = {"S3Action": {"BucketName": bucket, "ObjectKeyPrefix": _PROBE_PREFIX}}
    return {"Name": name, "Enabled": True, "Recipients": [PROBE_DOMAIN], "Actions": [action]}


def receiving_probe_setup(probe):
    """What SES receiving needs, made in the probe's account: ``PROBE_DOMAIN`` verified, a
    bucket SES may write to, an active rule set storing the domain's mail there. Returns
    a function listing the keys of the mail stored since (the setup notification left out)."""
    s3, ses = probe.client("s3"), probe.client("ses")
    s3.create_bucket(Bucket=_PROBE_BUCKET)
    s3.put_bucket_policy(Bucket=_PROBE_BUCKET, Policy=_ses_may_write(_PROBE_BUCKET))
    ses.verify_domain_identity(Domain=PROBE_DOMAIN)
    ses.create_receipt_rule_set(RuleSetName=_PROBE_RULE_SET)
    ses.create_receipt_rule(RuleSetName=_PROBE_RULE_SET, Rule=_store_rule())
    ses.set_active_receipt_rule_set(RuleSetName=_PROBE_RULE_SET)

    def stored():
        found = s3.list_objects_v2(Bucket=_PROBE_BUCKET, Prefix=_PROBE_PREFIX)
        keys = [item["Key"] for item in found.get("Contents", [])]
        return [key for key in keys if not key.endswith(SETUP_NOTIFICATION)]

    return stored


def _duplicate_rule_gap(probe):
    ses = probe.client("ses")
    ses.create_receipt_rule_set(RuleSetName=_PROBE_RULE_SET)
    for enabled in (True, False):
        rule = {"Name": "twice", "Enabled": enabled}
        try:
            ses.create_receipt_rule(RuleSetName=_PROBE_RULE_SET, Rule=rule)
        except ses.exceptions.AlreadyExistsException:
            return False
    return "a second rule of the same name was accepted"


def _s3_permission_gap(probe):
    s3, ses = probe.client("s3"), probe.client("ses")
    s3.create_bucket(Bucket=_PROBE_BUCKET)
    ses.create_receipt_rule_set(RuleSetName=_PROBE_RULE_SET)
    try:
        ses.create_receipt_rule(RuleSetName=_PROBE_RULE_SET, Rule=_store_rule("closed"))
        return "a rule storing into a bucket SES may not write to was accepted"
    except ses.exceptions.InvalidS3ConfigurationException:
        pass
    s3.put_bucket_policy(Bucket=_PROBE_BUCKET, Policy=_ses_may_write(_PROBE_BUCKET))
    ses.create_receipt_rule(RuleSetName=_PROBE_RULE_SET, Rule=_store_rule("open"))
    found = s3.list_objects_v2(Bucket=_PROBE_BUCKET, Prefix=_PROBE_PREFIX + SETUP_NOTIFICATION)
    return not found.get("Contents") and "no setup notification was stored"


def _verification_message_gap(probe):
    stored = receiving_probe_setup(probe)
    probe.client("ses").verify_email_identity(EmailAddress=f"someone@{PROBE_DOMAIN}")
    return not stored() and "no verification message arrived for an address SES receives for"


# --- fills ----------------------------------------------------------------------------------


def _wrap_create_rule(wrap):
    def install():
        backend = ses_models.SESBackend
        backend.create_receipt_rule = wrap(backend.create_receipt_rule)

    return install


def _fill_delete_rule():
    ses_models.SESBackend.delete_receipt_rule = delete_receipt_rule
    ses_responses.EmailResponse.delete_receipt_rule = _delete_rule_response


def _fill_verification_message():
    backend = ses_models.SESBackend
    backend.verify_email_identity = _wrap_v1_verify(backend.verify_email_identity)
    v2 = v2_models.SESV2Backend
    v2.create_email_identity = _wrap_v2_create(v2.create_email_identity)


FILLS = {
    "ses-delete-receipt-rule": (
        moto_gaps.lacks(ses_responses.EmailResponse, "delete_receipt_rule"),
        _fill_delete_rule,
    ),
    "ses-receipt-rule-unique-names": (
        _duplicate_rule_gap,
        _wrap_create_rule(_wrap_unique_rule_names),
    ),
    "ses-receipt-rule-s3-permission": (
        _s3_permission_gap,
        _wrap_create_rule(_wrap_s3_permission),
    ),
    "ses-receiving-verification-message": (_verification_message_gap, _fill_verification_message),
}


def apply():
    """Fill the gaps the installed moto has (idempotent; after ``moto_ses_patches``, whose
    ``CreateEmailIdentity`` the verification message fill wraps)."""
    backend = ses_models.SESBackend
    if getattr(backend, _MARK, False):
        return
    moto_gaps.fill(FILLS)
    setattr(backend, _MARK, True)
