"""Amazon SES (API v2): configuration sets, their event destinations, account-level
settings (suppression list, sending, production access), and a test message through the
SMTP interface.

Every AWS function accepts the connection arguments ``region``, ``profile``, ``keyid``,
``key`` and ``role_arn``. Identities (domains, addresses) are ``aws_ses``'s business.

CLI examples::

    salt-call aws_sesv2.describe_configuration_set credere region=us-east-1
    salt-call aws_sesv2.describe_account region=us-east-1
    salt-call aws_sesv2.send_test_email noreply@example.org me@example.org
"""

import email.message
import email.utils
import logging
import smtplib
import ssl

import awsrunbook_client as aws
import awsrunbook_keys as keys
import awsrunbook_validate as valid
import salt.utils.data
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "aws_sesv2"

NOT_FOUND = ("NotFoundException",)


def __virtual__():
    return __virtualname__


def _sesv2(kwargs):
    conn = aws.split_connection_args(kwargs)
    return aws.client("sesv2", conn, __salt__.get("config.option")), conn


# Configuration sets


def describe_configuration_set(name, **kwargs):
    """The configuration set ``name`` as plain data, or ``None``::

        {"suppressed_reasons": [...] or None (the account's list applies),
         "reputation_metrics": bool, "sending_enabled": bool,
         "custom_redirect_domain": str or None,
         "event_destinations": {NAME: {"enabled", "events", "sns_topic_arn"}}}

    CLI example::

        salt-call aws_sesv2.describe_configuration_set credere
    """
    ses, _ = _sesv2(kwargs)
    found = aws.call(
        ses, "get_configuration_set", name, missing=NOT_FOUND, ConfigurationSetName=name
    )
    if found is None:
        return None
    destinations = aws.call(
        ses,
        "get_configuration_set_event_destinations",
        name,
        missing=NOT_FOUND,
        ConfigurationSetName=name,
    )
    suppression = found.get("SuppressionOptions")
    return {
        "suppressed_reasons": (
            sorted(suppression.get("SuppressedReasons", [])) if suppression is not None else None
        ),
        "reputation_metrics": found.get("ReputationOptions", {}).get(
            "ReputationMetricsEnabled", False
        ),
        "sending_enabled": found.get("SendingOptions", {}).get("SendingEnabled", True),
        "custom_redirect_domain": found.get("TrackingOptions", {}).get("CustomRedirectDomain"),
        "event_destinations": {
            item["Name"]: _destination_of(item)
            for item in (destinations or {}).get("EventDestinations", [])
        },
    }


def _destination_of(item):
    return {
        "enabled": item.get("Enabled", False),
        "events": sorted(item.get("MatchingEventTypes", [])),
        "sns_topic_arn": item.get("SnsDestination", {}).get("TopicArn"),
    }


def create_configuration_set(name, **kwargs):
    """Create the configuration set ``name`` with AWS's defaults; the ``put_*`` functions
    set its options."""
    ses, _ = _sesv2(kwargs)
    aws.call(ses, "create_configuration_set", name, ConfigurationSetName=name)
    return True


def delete_configuration_set(name, **kwargs):
    """Delete the configuration set ``name`` with its event destinations (gone already
    counts as done)."""
    ses, _ = _sesv2(kwargs)
    aws.call(ses, "delete_configuration_set", name, missing=NOT_FOUND, ConfigurationSetName=name)
    return True


def put_configuration_set_suppression(name, suppressed_reasons, **kwargs):
    """The reasons (``BOUNCE``, ``COMPLAINT``) for which the set suppresses addresses;
    ``[]`` turns suppression off for the set."""
    ses, _ = _sesv2(kwargs)
    aws.call_after_create(
        ses,
        "put_configuration_set_suppression_options",
        name,
        ConfigurationSetName=name,
        SuppressedReasons=list(suppressed_reasons),
    )
    return True


def put_configuration_set_reputation(name, enabled, **kwargs):
    ses, _ = _sesv2(kwargs)
    aws.call_after_create(
        ses,
        "put_configuration_set_reputation_options",
        name,
        ConfigurationSetName=name,
        ReputationMetricsEnabled=enabled,
    )
    return True


def put_configuration_set_sending(name, enabled, **kwargs):
    ses, _ = _sesv2(kwargs)
    aws.call_after_create(
        ses,
        "put_configuration_set_sending_options",
        name,
        ConfigurationSetName=name,
        SendingEnabled=enabled,
    )
    return True


def put_configuration_set_tracking(name, custom_redirect_domain, **kwargs):
    ses, _ = _sesv2(kwargs)
    params = {"ConfigurationSetName": name}
    if custom_redirect_domain:
        params["CustomRedirectDomain"] = custom_redirect_domain
    aws.call_after_create(ses, "put_configuration_set_tracking_options", name, **params)
    return True


def _event_destination(enabled, events, sns_topic_arn):
    return {
        "Enabled": enabled,
        "MatchingEventTypes": list(events),
        "SnsDestination": {"TopicArn": sns_topic_arn},
    }


def create_event_destination(
    configuration_set, destination, enabled, events, sns_topic_arn, **kwargs
):
    """Add the event destination ``destination`` (to an SNS topic) to ``configuration_set``."""
    ses, _ = _sesv2(kwargs)
    aws.call_after_create(
        ses,
        "create_configuration_set_event_destination",
        f"{configuration_set}/{destination}",
        ConfigurationSetName=configuration_set,
        EventDestinationName=destination,
        EventDestination=_event_destination(enabled, events, sns_topic_arn),
    )
    return True


def update_event_destination(
    configuration_set, destination, enabled, events, sns_topic_arn, **kwargs
):
    ses, _ = _sesv2(kwargs)
    aws.call(
        ses,
        "update_configuration_set_event_destination",
        f"{configuration_set}/{destination}",
        ConfigurationSetName=configuration_set,
        EventDestinationName=destination,
        EventDestination=_event_destination(enabled, events, sns_topic_arn),
    )
    return True


def delete_event_destination(configuration_set, destination, **kwargs):
    ses, _ = _sesv2(kwargs)
    aws.call(
        ses,
        "delete_configuration_set_event_destination",
        f"{configuration_set}/{destination}",
        missing=NOT_FOUND,
        ConfigurationSetName=configuration_set,
        EventDestinationName=destination,
    )
    return True


# Account


def describe_account(**kwargs):
    """The account's SES settings in the connection's region, as plain data::

        {"sending_enabled": bool, "suppressed_reasons": [...],
         "production_access": "sandbox" | "pending review" | "granted" | "denied",
         "case_id": str or None, "details": {mail_type, website_url, ...} or None}

    CLI example::

        salt-call aws_sesv2.describe_account region=eu-west-1
    """
    ses, _ = _sesv2(kwargs)
    account = aws.call(ses, "get_account", "the account")
    details = account.get("Details") or {}
    review = details.get("ReviewDetails") or {}
    return {
        "sending_enabled": account.get("SendingEnabled", True),
        "suppressed_reasons": sorted(
            account.get("SuppressionAttributes", {}).get("SuppressedReasons", [])
        ),
        "production_access": production_access_status(
            account.get("ProductionAccessEnabled", False), review.get("Status")
        ),
        "case_id": review.get("CaseId"),
        "details": (
            {
                "mail_type": details.get("MailType"),
                "website_url": details.get("WebsiteURL"),
                "use_case_description": details.get("UseCaseDescription"),
                "additional_contact_email_addresses": sorted(
                    details.get("AdditionalContactEmailAddresses", [])
                ),
                "contact_language": details.get("ContactLanguage"),
            }
            if details
            else None
        ),
    }


def production_access_status(enabled, review_status):
    """``sandbox``, ``pending review``, ``granted`` or ``denied``. Pure."""
    if enabled:
        return "granted"
    if review_status == "PENDING":
        return "pending review"
    if review_status in ("DENIED", "FAILED"):
        return "denied"
    return "sandbox"


def put_account_suppression(suppressed_reasons, **kwargs):
    """The account-level suppression list's reasons; ``[]`` disables the list."""
    ses, _ = _sesv2(kwargs)
    aws.call(
        ses,
        "put_account_suppression_attributes",
        "the account",
        SuppressedReasons=list(suppressed_reasons),
    )
    return True


def put_account_sending(enabled, **kwargs):
    """Enable or pause sending for the whole account in the region."""
    ses, _ = _sesv2(kwargs)
    aws.call(ses, "put_account_sending_attributes", "the account", SendingEnabled=enabled)
    return True


def request_production_access(
    mail_type,
    website_url,
    use_case_description,
    additional_contact_email_addresses=None,
    contact_language="EN",
    **kwargs,
):
    """Ask AWS to move the account out of the SES sandbox in the region (``PutAccountDetails``
    with ``ProductionAccessEnabled``). AWS reviews the request; ``describe_account`` shows
    the status."""
    ses, _ = _sesv2(kwargs)
    params = {
        "MailType": mail_type,
        "WebsiteURL": website_url,
        "UseCaseDescription": use_case_description,
        "ContactLanguage": contact_language,
        "ProductionAccessEnabled": True,
    }
    if additional_contact_email_addresses:
        params["AdditionalContactEmailAddresses"] = list(additional_contact_email_addresses)
    aws.call(ses, "put_account_details", "the account", **params)
    return True


# SMTP


def smtp_host(region):
    """The SES SMTP endpoint of ``region``."""
    return f"email-smtp.{region}.amazonaws.com"


def smtp_credentials_into_pillar(pillar_file, smtp_region, pillar_key="smtp", **kwargs):
    """Write SMTP credentials derived from the connection's own long-term access key (an
    IAM user's ``keyid``/``key`` or profile) into ``pillar_file`` under ``pillar_key``
    (``host``, ``port``, ``username``, ``password``), for an IAM user that already exists.
    ``ses_smtp_user.present`` is the usual way; this is for keys made elsewhere.

    Refused for temporary credentials (a session token, or ``role_arn``): SES's SMTP
    interface cannot use them, so the password would never work. The password is never
    returned or logged.

    CLI example::

        salt-call aws_sesv2.smtp_credentials_into_pillar /srv/pillar/private/web1.sls \\
            us-east-1 profile=ses-smtp-web1
    """
    conn = aws.split_connection_args(kwargs)
    config_option = __salt__.get("config.option")
    valid.region(smtp_region, "smtp_region")
    if aws.uses_session_credentials(conn, config_option):
        raise SaltInvocationError(
            "the connection uses temporary (session) credentials; an SMTP password derived "
            "from them would not work. Use an IAM user's long-term access key, or "
            "ses_smtp_user.present to make one."
        )
    frozen = aws.frozen_credentials(conn, config_option)
    if frozen is None:
        raise CommandExecutionError("no AWS credentials found for the connection")
    values = {
        f"{pillar_key}:host": smtp_host(smtp_region),
        f"{pillar_key}:port": 587,
        f"{pillar_key}:username": frozen.access_key,
        f"{pillar_key}:password": keys.smtp_password(frozen.secret_key, smtp_region),
    }
    changed = __salt__["pillar_file.set_values"](pillar_file, values)["changed"]
    log.info("Wrote SMTP credentials for %s to %s", frozen.access_key, pillar_file)
    return {"pillar_file": pillar_file, "username": frozen.access_key, "changed": changed}


def send_test_email(
    sender,
    recipient,
    host=None,
    port=None,
    username=None,
    password=None,
    pillar_key="smtp",
    subject="SES SMTP test",
    body="This message was sent through the SES SMTP interface to check the credentials.",
    verify=True,
    ca_file=None,
    timeout=30,
):
    """Send a test message through SES's SMTP interface (STARTTLS, port 587 by default) and
    return what the server said. Credentials not given come from the pillar under
    ``pillar_key`` (``smtp:host``, ``smtp:port``, ``smtp:username``, ``smtp:password``, the
    layout ``ses_smtp_user`` writes), so the password need not be typed on a command line.

    verify
        Check the server's TLS certificate (default true). ``ca_file`` trusts a CA bundle
        besides the system's (a local test server's own certificate, for instance).

    The password never appears in the result or in errors.

    CLI example::

        salt-call aws_sesv2.send_test_email noreply@example.org me@example.org
        salt-call aws_sesv2.send_test_email noreply@example.org me@example.org \\
            pillar_key=smtp:eu-west-1
    """
    settings = (
        salt.utils.data.traverse_dict_and_list(dict(__pillar__), pillar_key, {}, ":")
        if pillar_key
        else {}
    )
    host = host or settings.get("host")
    port = int(port or settings.get("port") or 587)
    username = username or settings.get("username")
    password = password or settings.get("password")
    for arg, value in (("host", host), ("username", username), ("password", password)):
        if not value:
            raise SaltInvocationError(
                f"{arg}: not given and not in the pillar at {pillar_key}:{arg}"
            )
    message = email.message.EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = email.utils.make_msgid()
    message.set_content(body)

    context = ssl.create_default_context(cafile=ca_file)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    where = f"{host}:{port}"
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            smtp.starttls(context=context)
            smtp.ehlo()
            smtp.login(username, password)
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise CommandExecutionError(
            f"SMTP login to {where} as {username} failed: {exc.smtp_code} "
            f"{exc.smtp_error.decode('utf-8', 'replace')}"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise CommandExecutionError(f"{where} does not offer STARTTLS") from None
    except smtplib.SMTPException as exc:
        raise CommandExecutionError(
            f"sending through {where} failed: {type(exc).__name__}: {_safe(exc, password)}"
        ) from None
    except OSError as exc:  # includes timeouts and TLS errors
        raise CommandExecutionError(f"cannot talk to {where}: {_safe(exc, password)}") from None
    if refused:
        raise CommandExecutionError(f"{where} refused recipient(s): {sorted(refused)}")
    log.info("Sent a test message from %s to %s through %s", sender, recipient, where)
    return {"sent": True, "host": host, "port": port, "username": username, "to": recipient}


def _safe(exc, password):
    return str(exc).replace(password, "********") if password else str(exc)
