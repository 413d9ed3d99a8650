"""Account-level SES settings for one region, as the runbook's "Disable account-level
suppression list" and "Move out of sandbox" steps make them by hand.

.. code-block:: yaml

    ses-account-us-east-1:
      ses_account.configured:
        - region: us-east-1
        - suppressed_reasons: []          # disables the account-level suppression list
        - sending_enabled: true
        - production_access:
            mail_type: TRANSACTIONAL
            website_url: https://www.open-contracting.org
            use_case_description: >-
              Password resets and notifications for the users of our web applications...
            additional_contact_email_addresses: [sysadmin@open-contracting.org]
            contact_language: EN

Settings left out are not managed. ``production_access`` submits the request to leave the
sandbox only while the account is in it; while AWS reviews a request (pending review) or
after it decided (granted, denied) nothing is submitted again, and the comment says the
status. ``test=True`` shows the request that would be submitted.
"""

from typing import TYPE_CHECKING

from awsrunbook import engine, plans, regions
from awsrunbook import validate as valid

__virtualname__ = "ses_account"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__

MAIL_TYPES = ("TRANSACTIONAL", "MARKETING")
CONTACT_LANGUAGES = ("EN", "JA")
PRODUCTION_ACCESS_KEYS = (
    "mail_type",
    "website_url",
    "use_case_description",
    "additional_contact_email_addresses",
    "contact_language",
)
USE_CASE_MAX = 5000
# The account settings: (field, the write that sets it, its argument).
SETTINGS = (
    ("suppressed_reasons", "aws_ses_sending.put_account_suppression", "suppressed_reasons"),
    ("sending_enabled", "aws_ses_sending.put_account_sending", "enabled"),
)


def __virtual__():
    return __virtualname__


def production_access_request(value, arg="production_access"):
    """Validate the declared request; return it normalised. Pure."""
    if value is None:
        return None
    if not isinstance(value, dict):
        valid.fail(arg, f"must be a mapping of {list(PRODUCTION_ACCESS_KEYS)}", value)
    unknown = sorted(set(value) - set(PRODUCTION_ACCESS_KEYS))
    if unknown:
        valid.fail(arg, f"unknown key(s) {unknown}; allowed: {list(PRODUCTION_ACCESS_KEYS)}")
    use_case = value.get("use_case_description")
    if not isinstance(use_case, str) or not use_case.strip():
        valid.fail(
            f"{arg}:use_case_description",
            "required: describe how you send, to whom, and how you handle bounces and "
            "complaints (AWS reviews this text)",
        )
    if len(use_case) > USE_CASE_MAX:
        valid.fail(f"{arg}:use_case_description", f"must be at most {USE_CASE_MAX} characters")
    url = value.get("website_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        valid.fail(f"{arg}:website_url", "required: an http(s) URL", url)
    contacts = value.get("additional_contact_email_addresses") or []
    if not isinstance(contacts, list) or len(contacts) > 4:
        valid.fail(
            f"{arg}:additional_contact_email_addresses",
            "must be a list of up to 4 email addresses",
            contacts,
        )
    return {
        "mail_type": valid.one_of(value.get("mail_type"), f"{arg}:mail_type", MAIL_TYPES),
        "website_url": url,
        "use_case_description": use_case.strip(),
        "additional_contact_email_addresses": [
            valid.email_address(c, f"{arg}:additional_contact_email_addresses") for c in contacts
        ],
        "contact_language": valid.one_of(
            value.get("contact_language", "EN"), f"{arg}:contact_language", CONTACT_LANGUAGES
        ),
    }


def plan_account(desired, current):
    """Steps for the account settings, and a comment line on production access. Pure.

    ``desired``: ``suppressed_reasons``, ``sending_enabled`` (``None``: not managed) and
    ``production_access`` (a validated request or ``None``); ``current``:
    ``aws_ses_sending.describe_account``.
    """
    steps = [
        plans.step(field, current[field], desired[field], call, **{arg: desired[field]})
        for field, call, arg in SETTINGS
        if desired[field] is not None and desired[field] != current[field]
    ]
    request = desired["production_access"]
    status = current["production_access"]
    if request is not None and status == "sandbox":
        steps.append(
            plans.step(
                "production_access",
                "sandbox",
                {"status": "pending review", "request": request},
                "aws_ses_sending.request_production_access",
                says="production access: request {would}submitted; AWS reviews it (usually "
                "within a day)",
                **request,
            )
        )
    note = _production_access_note(request, status, current.get("case_id"))
    return steps, [note] if note else []


def _production_access_note(request, status, case_id):
    case = f" (case {case_id})" if case_id else ""
    if request is None:
        return f"production access: {status}{case}"
    if status == "sandbox":
        return None  # the request step says it
    return {
        "pending review": f"production access: pending review{case}; not submitted again",
        "denied": f"production access: denied{case}; not submitted again. Reply to the case "
        "in the AWS Support Center, or ask AWS to reopen it.",
    }.get(status, "production access: granted (out of the sandbox)")


@engine.state(region=regions.ses_region)
def configured(
    name, suppressed_reasons=None, sending_enabled=None, production_access=None, *, run, **kwargs
):
    """Ensure the SES account settings of the connection's region.

    name
        A label for the state (the region is a connection argument).
    suppressed_reasons
        The account-level suppression list: ``[]`` disables it, ``[BOUNCE, COMPLAINT]``
        is AWS's default.
    sending_enabled
        true or false: pause or resume sending for the whole account in the region.
    production_access
        ``{mail_type: TRANSACTIONAL|MARKETING, website_url, use_case_description,
        additional_contact_email_addresses: [...], contact_language: EN|JA}``: request to
        leave the sandbox while the account is in it.
    region, profile, keyid, key, role_arn
        Connection arguments.
    """
    desired = {
        "suppressed_reasons": valid.suppressed_reasons(suppressed_reasons),
        "sending_enabled": None
        if sending_enabled is None
        else valid.boolean(sending_enabled, "sending_enabled"),
        "production_access": production_access_request(production_access),
    }
    ret, conn, region = run.begin(name, kwargs)
    current = __salt__["aws_ses_sending.describe_account"](**conn)
    steps, notes = plan_account(desired, current)
    run.apply(ret, steps, f"SES account in {region}", notes)
    return ret
