"""SES sending, as the receiving side sees the message, for moto (5.2.x), whose
``SendRawEmail`` (v1, and v2 ``SendEmail`` with raw content, which moto hands to it) only
records the message.

Loaded into the moto server the integration tests start (``PATCH_MODULES`` in
``tests/support/moto_server.py``) and in-process by the functional tests (``apply()``;
idempotent; after ``moto_ses_receiving``). ``apply()`` fills the gap only where its check
(``FILLS``, run by ``moto_gaps``) finds it in the installed moto; it was seen in moto 5.2.5
and 5.2.6:

 1. ``ses-sending-delivers-to-receiving``: mail SES sends to an address it also receives for
    never arrived. Now a raw message sent to an address that an active receipt rule with an
    S3 action receives for is delivered there (``moto_ses_receiving.deliver``; only for a
    domain verified in the region, as SES receives for no other) as SES receiving would
    store it: SES's ``Message-ID``; a DKIM signature by the key a test registered for the
    From domain in ``signing_keys`` (Easy DKIM; the key's own domain is the ``d=``, so a
    test can sign unaligned); SES's own ``d=amazonses.com`` signature by ``ses_key``; the
    ``Return-Path`` of the MAIL FROM domain SES uses (the identity's custom MAIL FROM
    domain, else ``REGION.amazonses.com``); and the receiving side's ``Received-SPF`` and
    ``Authentication-Results`` (``amazonses.com``) headers.

What a real receiver would decide is a test's setting: ``spf_result`` (the SPF verdict for
the MAIL FROM domain), ``alter_body`` (a relay changed the body after signing, so every
signature fails) and ``dropped`` (nothing arrives). ``reset()`` restores the defaults.
"""

import email
import email.utils
import re
import secrets

from moto.ses import models as ses_models

from tests.support import moto_gaps, moto_ses_receiving

_moto_send_raw_email = None  # moto's own, once apply() has run
SENDING_IP = "54.240.8.1"

# From domain -> tests.support.dkim_keys.DkimKey signing its mail (Easy DKIM).
signing_keys = {}
# SES's own signing key (d=amazonses.com); None: no second signature.
ses_key = None
spf_result = "pass"
alter_body = False
dropped = False  # the message never arrives (held or lost on the receiving side)


def reset():
    global ses_key, spf_result, alter_body, dropped
    signing_keys.clear()
    ses_key, spf_result, alter_body, dropped = None, "pass", False, False


def _organizational(domain):
    # Enough for the test domains (no multi-label public suffixes among them).
    return ".".join(domain.split(".")[-2:])


def _mail_from(backend, from_domain):
    custom = backend.identity_mail_from_domains.get(from_domain)
    if custom and custom.get("mail_from_domain"):
        return custom["mail_from_domain"]
    return f"{backend.region_name}.amazonses.com"


def _with_ses_message_id(raw, region):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = re.split(rb"\r\n(?![ \t])", head)
    kept = [line for line in lines if not line.lower().startswith(b"message-id:")]
    message_id = f"<{secrets.token_hex(16)}-000000@{region}.amazonses.com>".encode()
    return b"\r\n".join([*kept, b"Message-ID: " + message_id]) + b"\r\n\r\n" + body


def _signed(raw, from_domain):
    """``raw`` signed as SES signs: Easy DKIM first, then its own amazonses.com signature.
    Returns the message and the signing domains."""
    domains = []
    for key in (signing_keys.get(from_domain), ses_key):
        if key is not None:
            raw = key.sign(raw)
            domains.append(key.domain)
    return raw, domains


def _authentication_results(from_domain, mail_from, signers):
    dkim = "fail (body hash did not verify)" if alter_body else "pass"
    results = [
        f"spf={spf_result} (spfCheck: domain of {mail_from} designates {SENDING_IP} as permitted"
        f" sender) client-ip={SENDING_IP}; envelope-from=0100@{mail_from};"
        f" helo=a8-1.smtp-out.amazonses.com",
        *(f"dkim={dkim} header.i=@{domain}" for domain in signers),
    ]
    org = _organizational(from_domain)
    dkim_aligned = not alter_body and any(_organizational(d) == org for d in signers)
    spf_aligned = spf_result == "pass" and _organizational(mail_from) == org
    dmarc = "pass" if dkim_aligned or spf_aligned else "fail"
    results.append(f"dmarc={dmarc} header.from={from_domain}")
    return "Authentication-Results: amazonses.com;\r\n " + ";\r\n ".join(results) + ";\r\n"


def received_message(backend, raw):
    """``raw`` (bytes, as sent) as SES receiving stores it in S3."""
    raw = re.sub(rb"\r?\n", b"\r\n", raw)
    _, sender = email.utils.parseaddr(email.message_from_bytes(raw)["From"] or "")
    from_domain = sender.rpartition("@")[2].lower()
    signed, signers = _signed(_with_ses_message_id(raw, backend.region_name), from_domain)
    if alter_body:
        head, _, body = signed.partition(b"\r\n\r\n")
        signed = head + b"\r\n\r\n" + body + b"-- \r\nAdded by a relay.\r\n"
    mail_from = _mail_from(backend, from_domain)
    receiving = (
        f"Return-Path: <0100@{mail_from}>\r\n"
        f"Received: from a8-1.smtp-out.amazonses.com (a8-1.smtp-out.amazonses.com"
        f" [{SENDING_IP}]) by inbound-smtp.{backend.region_name}.amazonaws.com with SMTP id"
        f" {secrets.token_hex(10)}\r\n"
        f"Received-SPF: {spf_result} (spfCheck: domain of {mail_from}) client-ip={SENDING_IP};"
        f" envelope-from=0100@{mail_from};\r\n"
        + _authentication_results(from_domain, mail_from, signers)
    )
    return receiving.encode() + signed


def _send_raw_email(self, source, destinations, raw_data):
    message = _moto_send_raw_email(self, source, destinations, raw_data)
    raw = raw_data.encode("utf-8") if isinstance(raw_data, str) else raw_data
    # moto adds the To/Cc header addresses to the destinations: each address once.
    addresses = {email.utils.parseaddr(d)[1] for d in message.destinations}
    for address in sorted(addresses):
        # SES receives only for the domains verified in the region.
        if not dropped and address.rpartition("@")[2].lower() in self.email_identities:
            moto_ses_receiving.deliver(
                self.region_name, address, received_message(self, raw), self.account_id
            )
    return message


def _delivery_gap(probe):
    stored = moto_ses_receiving.receiving_probe_setup(probe)
    domain = moto_ses_receiving.PROBE_DOMAIN
    raw = f"From: sender@{domain}\r\nTo: someone@{domain}\r\nSubject: probe\r\n\r\nprobe\r\n"
    probe.client("ses").send_raw_email(
        Source=f"sender@{domain}",
        Destinations=[f"someone@{domain}"],
        RawMessage={"Data": raw.encode()},
    )
    return not stored() and "mail sent to an address SES receives for never arrived"


def _fill_delivery():
    global _moto_send_raw_email
    _moto_send_raw_email = ses_models.SESBackend.send_raw_email
    ses_models.SESBackend.send_raw_email = _send_raw_email


FILLS = {"ses-sending-delivers-to-receiving": (_delivery_gap, _fill_delivery)}


def apply():
    """Fill the gap where the installed moto has it (idempotent; after
    ``moto_ses_receiving``, whose receiving the check and the fill use)."""
    moto_gaps.fill(FILLS)
