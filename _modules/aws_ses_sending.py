"""Amazon SES sending set-up: configuration sets with their event destinations, and the
account-level settings of a region (suppression list, sending, production access).

Every function accepts the connection arguments ``region``, ``profile``, ``keyid``, ``key``
and ``role_arn``. Identities (domains, addresses) are ``aws_ses``'s business; SMTP is
``aws_ses_smtp``'s.

CLI examples::

    salt-call aws_ses_sending.describe_configuration_set credere region=us-east-1
    salt-call aws_ses_sending.describe_account region=us-east-1
"""

from typing import TYPE_CHECKING

from awsrunbook import client as aws
from awsrunbook import errors, ses

__virtualname__ = "aws_ses_sending"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__


def __virtual__():
    return __virtualname__


def _sesv2(kwargs):
    return aws.connect("sesv2", kwargs, __salt__)


# Configuration sets


def describe_configuration_set(name, **kwargs):
    """The configuration set ``name`` as plain data, or ``None``::

        {"suppressed_reasons": [...] or None (the account's list applies),
         "reputation_metrics": bool, "sending_enabled": bool,
         "custom_redirect_domain": str or None,
         "event_destinations": {NAME: {"enabled", "events", "sns_topic_arn"}}}

    CLI example::

        salt-call aws_ses_sending.describe_configuration_set credere
    """
    client, _ = _sesv2(kwargs)
    found = aws.call(
        client, "get_configuration_set", name, none_if=errors.NotFound, ConfigurationSetName=name
    )
    if found is None:
        return None
    destinations = aws.call(
        client,
        "get_configuration_set_event_destinations",
        name,
        none_if=errors.NotFound,
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
    client, _ = _sesv2(kwargs)
    aws.call(client, "create_configuration_set", name, ConfigurationSetName=name)
    return True


def delete_configuration_set(name, **kwargs):
    """Delete the configuration set ``name`` with its event destinations (gone already
    counts as done)."""
    client, _ = _sesv2(kwargs)
    aws.call(
        client, "delete_configuration_set", name, none_if=errors.NotFound, ConfigurationSetName=name
    )
    return True


# What put_configuration_set_option sets: option -> (SES v2 operation, its parameter).
OPTION_CALLS = {
    "suppressed_reasons": ("put_configuration_set_suppression_options", "SuppressedReasons"),
    "reputation_metrics": ("put_configuration_set_reputation_options", "ReputationMetricsEnabled"),
    "sending_enabled": ("put_configuration_set_sending_options", "SendingEnabled"),
    "custom_redirect_domain": ("put_configuration_set_tracking_options", "CustomRedirectDomain"),
}


def put_configuration_set_option(name, option, value, **kwargs):
    """Set one option of the configuration set ``name``: ``suppressed_reasons`` (``BOUNCE``,
    ``COMPLAINT``; ``[]`` turns the set's suppression off), ``reputation_metrics`` or
    ``sending_enabled`` (true or false), ``custom_redirect_domain`` (``None`` removes it).

    CLI example::

        salt-call aws_ses_sending.put_configuration_set_option credere sending_enabled false
    """
    operation, parameter = OPTION_CALLS[option]
    client, _ = _sesv2(kwargs)
    params = {parameter: list(value) if option == "suppressed_reasons" else value}
    if value is None:
        params = {}
    aws.call_after_create(client, operation, name, ConfigurationSetName=name, **params)
    return True


def _event_destination(enabled, events, sns_topic_arn):
    return {
        "Enabled": enabled,
        "MatchingEventTypes": list(events),
        "SnsDestination": {"TopicArn": sns_topic_arn},
    }


def _destination_call(kwargs, operation, configuration_set, destination, **params):
    client, _ = _sesv2(kwargs)
    where = f"{configuration_set}/{destination}"
    names = {"ConfigurationSetName": configuration_set, "EventDestinationName": destination}
    call = aws.call_after_create if operation.startswith("create") else aws.call
    call(client, operation, where, **names, **params)
    return True


def put_event_destination(
    configuration_set, destination, enabled, events, sns_topic_arn, exists=False, **kwargs
):
    """Add the event destination ``destination`` (to an SNS topic) to ``configuration_set``,
    or with ``exists`` replace it."""
    verb = "update" if exists else "create"
    return _destination_call(
        kwargs,
        f"{verb}_configuration_set_event_destination",
        configuration_set,
        destination,
        EventDestination=_event_destination(enabled, events, sns_topic_arn),
    )


def delete_event_destination(configuration_set, destination, **kwargs):
    """Remove the event destination ``destination`` (gone already counts as done)."""
    return _destination_call(
        kwargs,
        "delete_configuration_set_event_destination",
        configuration_set,
        destination,
        none_if=errors.NotFound,
    )


# Account


def describe_account(**kwargs):
    """The account's SES settings in the connection's region, as plain data::

        {"sending_enabled": bool, "suppressed_reasons": [...],
         "production_access": "sandbox" | "pending review" | "granted" | "denied",
         "case_id": str or None, "details": {mail_type, website_url, ...} or None}

    CLI example::

        salt-call aws_ses_sending.describe_account region=eu-west-1
    """
    client, _ = _sesv2(kwargs)
    account = aws.call(client, "get_account", "the account")
    details = account.get("Details") or {}
    review = details.get("ReviewDetails") or {}
    return {
        "sending_enabled": account.get("SendingEnabled", True),
        "suppressed_reasons": sorted(
            account.get("SuppressionAttributes", {}).get("SuppressedReasons", [])
        ),
        "production_access": ses.production_access_status(
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


def put_account_suppression(suppressed_reasons, **kwargs):
    """The account-level suppression list's reasons; ``[]`` disables the list."""
    client, _ = _sesv2(kwargs)
    aws.call(
        client,
        "put_account_suppression_attributes",
        "the account",
        SuppressedReasons=list(suppressed_reasons),
    )
    return True


def put_account_sending(enabled, **kwargs):
    """Enable or pause sending for the whole account in the region."""
    client, _ = _sesv2(kwargs)
    aws.call(client, "put_account_sending_attributes", "the account", SendingEnabled=enabled)
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
    client, _ = _sesv2(kwargs)
    params = {
        "MailType": mail_type,
        "WebsiteURL": website_url,
        "UseCaseDescription": use_case_description,
        "ContactLanguage": contact_language,
        "ProductionAccessEnabled": True,
    }
    if additional_contact_email_addresses:
        params["AdditionalContactEmailAddresses"] = list(additional_contact_email_addresses)
    aws.call(client, "put_account_details", "the account", **params)
    return True
