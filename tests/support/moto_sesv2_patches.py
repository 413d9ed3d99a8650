"""Make moto's SES v2 (5.2.x) behave as the SES v2 API reference documents, for the calls
``aws_ses_sending`` and ``aws_ses`` make. Applied in-process by the functional tests and, through
``PATCH_MODULES`` in ``tests/support/moto_server.py``, inside the local moto server.

``apply()`` is idempotent and fills each gap below only where its check (``FILLS``, run by
``moto_gaps``) finds it in the installed moto; a gap whose fills share storage is one gap,
filled whole or not at all. Each was seen in moto 5.2.5 and 5.2.6:

 1. ``sesv2-delete-missing-configuration-set``: ``DeleteConfigurationSet`` on a missing set
    answered 500 (a ``KeyError``) instead of ``NotFoundException``.
 2. ``sesv2-event-destinations`` (one gap: the calls share the destinations' storage, which
    ``DeleteConfigurationSet`` then also clears): ``CreateConfigurationSetEventDestination``,
    ``GetConfigurationSetEventDestinations``, ``UpdateConfigurationSetEventDestination``,
    ``DeleteConfigurationSetEventDestination`` were not implemented (v1's
    ``CreateConfigurationSetEventDestination`` works but keeps only one destination per set,
    and v1 has no update or delete either).
 3. ``sesv2-configuration-set-options`` (one gap: the puts write what ``GetConfigurationSet``
    reads): ``PutConfigurationSetSuppressionOptions``, ``PutConfigurationSetReputationOptions``,
    ``PutConfigurationSetSendingOptions``, ``PutConfigurationSetTrackingOptions`` were not
    implemented; ``GetConfigurationSet`` returned ``SendingEnabled: false`` whatever was set
    (moto stores the whole ``SendingOptions`` mapping where a boolean belongs) and left out
    the documented defaults (sending enabled, reputation metrics disabled).
 4. ``sesv2-account`` (one gap: the calls share the account's storage):
    ``GetAccount``, ``PutAccountSuppressionAttributes``, ``PutAccountSendingAttributes``,
    ``PutAccountDetails`` were not implemented (``PutAccountDetails`` answered 404 on the
    server). The account starts as AWS documents a new one: in the sandbox, sending enabled,
    account-level suppression for ``BOUNCE`` and ``COMPLAINT``. A production-access request
    puts the review in ``PENDING``; ``set_review_status`` lets a test play AWS's reviewer.

moto's server answers 404 to SES v2 paths of more than four segments (account settings,
event destinations, set options): each fill adds the routes of its calls.
"""

import json
import uuid
from urllib.parse import unquote

from botocore.exceptions import ClientError
from moto.ses.models import ConfigurationSet
from moto.sesv2 import urls as sesv2_urls
from moto.sesv2.models import sesv2_backends
from moto.sesv2.responses import SESV2Response

from tests.support import moto_errors, moto_gaps

_APPLIED = []


def _to_dict_v2(self):
    sending = self.enabled
    if isinstance(sending, dict):
        sending = sending.get("SendingEnabled", True)
    reputation = {"ReputationMetricsEnabled": False, **(self.reputation_options or {})}
    result = {
        "ConfigurationSetName": self.configuration_set_name,
        "TrackingOptions": self.tracking_options,
        "DeliveryOptions": self.delivery_options,
        "ReputationOptions": reputation,
        "SendingOptions": {"SendingEnabled": True if sending in (None, {}) else bool(sending)},
        "Tags": self.tags,
        "VdmOptions": self.vdm_options,
    }
    if self.suppression_options:
        result["SuppressionOptions"] = self.suppression_options
    return result


def _destinations(backend):
    if not hasattr(backend, "_runbook_event_destinations"):
        backend._runbook_event_destinations = {}
    return backend._runbook_event_destinations


def _account(backend):
    if not hasattr(backend, "_runbook_account"):
        backend._runbook_account = {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": "HEALTHY",
            "ProductionAccessEnabled": False,
            "SendingEnabled": True,
            "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0},
            "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
        }
    return backend._runbook_account


def _config_set(response, name):
    backend = response.sesv2_backend
    if name not in backend.core_backend.config_sets:
        raise moto_errors.not_found(f"Configuration set <{name}> does not exist.")
    return backend.core_backend.config_sets[name]


def _body(response):
    return json.loads(response.body) if response.body else {}


def _path_part(response, after):
    """The URL path segment following ``after`` (moto's catch-all route has no groups)."""
    parts = response.path.split("?")[0].rstrip("/").split("/")
    return unquote(parts[parts.index(after) + 1])


def delete_configuration_set(self):
    name = _path_part(self, "configuration-sets")
    _config_set(self, name)
    self.sesv2_backend.core_backend.config_sets.pop(name)
    return json.dumps({})


def create_configuration_set_event_destination(self):
    name = _path_part(self, "configuration-sets")
    _config_set(self, name)
    body = _body(self)
    per_set = _destinations(self.sesv2_backend).setdefault(name, {})
    dest_name = body["EventDestinationName"]
    if dest_name in per_set:
        raise moto_errors.already_exists(f"Event destination {dest_name} already exists.")
    per_set[dest_name] = {"Name": dest_name, **body["EventDestination"]}
    return json.dumps({})


def get_configuration_set_event_destinations(self):
    name = _path_part(self, "configuration-sets")
    _config_set(self, name)
    per_set = _destinations(self.sesv2_backend).get(name, {})
    return json.dumps({"EventDestinations": list(per_set.values())})


def update_configuration_set_event_destination(self):
    name = _path_part(self, "configuration-sets")
    dest_name = _path_part(self, "event-destinations")
    _config_set(self, name)
    per_set = _destinations(self.sesv2_backend).get(name, {})
    if dest_name not in per_set:
        raise moto_errors.not_found(f"Event destination {dest_name} does not exist.")
    per_set[dest_name] = {"Name": dest_name, **_body(self)["EventDestination"]}
    return json.dumps({})


def delete_configuration_set_event_destination(self):
    name = _path_part(self, "configuration-sets")
    dest_name = _path_part(self, "event-destinations")
    _config_set(self, name)
    per_set = _destinations(self.sesv2_backend).get(name, {})
    if dest_name not in per_set:
        raise moto_errors.not_found(f"Event destination {dest_name} does not exist.")
    del per_set[dest_name]
    return json.dumps({})


def put_configuration_set_suppression_options(self):
    config_set = _config_set(self, _path_part(self, "configuration-sets"))
    config_set.suppression_options = {"SuppressedReasons": _body(self).get("SuppressedReasons", [])}
    return json.dumps({})


def put_configuration_set_reputation_options(self):
    config_set = _config_set(self, _path_part(self, "configuration-sets"))
    config_set.reputation_options = {
        "ReputationMetricsEnabled": bool(_body(self).get("ReputationMetricsEnabled", False))
    }
    return json.dumps({})


def put_configuration_set_sending_options(self):
    config_set = _config_set(self, _path_part(self, "configuration-sets"))
    config_set.enabled = bool(_body(self).get("SendingEnabled", False))
    return json.dumps({})


def put_configuration_set_tracking_options(self):
    config_set = _config_set(self, _path_part(self, "configuration-sets"))
    body = _body(self)
    config_set.tracking_options = {
        key: body[key] for key in ("CustomRedirectDomain", "HttpsPolicy") if key in body
    }
    return json.dumps({})


def get_account(self):
    return json.dumps(_account(self.sesv2_backend))


def put_account_suppression_attributes(self):
    reasons = _body(self).get("SuppressedReasons", [])
    _account(self.sesv2_backend)["SuppressionAttributes"] = {"SuppressedReasons": reasons}
    return json.dumps({})


def put_account_sending_attributes(self):
    _account(self.sesv2_backend)["SendingEnabled"] = bool(_body(self).get("SendingEnabled"))
    return json.dumps({})


def put_account_details(self):
    body = _body(self)
    for required in ("MailType", "WebsiteURL"):
        if not body.get(required):
            raise moto_errors.bad_request(f"{required} is required.")
    account = _account(self.sesv2_backend)
    review = account.get("Details", {}).get("ReviewDetails")
    if review and review.get("Status") == "PENDING":
        raise moto_errors.conflict("A production access request is already under review.")
    details = {
        key: body[key]
        for key in (
            "MailType",
            "WebsiteURL",
            "ContactLanguage",
            "UseCaseDescription",
            "AdditionalContactEmailAddresses",
        )
        if key in body
    }
    if body.get("ProductionAccessEnabled") and not account["ProductionAccessEnabled"]:
        details["ReviewDetails"] = {"Status": "PENDING", "CaseId": uuid.uuid4().hex[:16]}
    account["Details"] = details
    return json.dumps({})


def set_review_status(status, account_id="123456789012", region="us-east-1"):
    """Play AWS's reviewer: ``GRANTED`` takes the account out of the sandbox. Only where
    this module fills the account calls (a moto that models them keeps its own state)."""
    if not moto_gaps.applied("sesv2-account"):
        raise RuntimeError("set_review_status needs the sesv2-account fill, not applied here")
    account = _account(sesv2_backends[account_id][region])
    account.setdefault("Details", {}).setdefault("ReviewDetails", {"CaseId": "test"})
    account["Details"]["ReviewDetails"]["Status"] = status
    account["ProductionAccessEnabled"] = status == "GRANTED"


def _delete_missing_set_gap(probe):
    try:
        probe.client("sesv2").delete_configuration_set(ConfigurationSetName="moto-gap-probe")
    except ClientError as error:
        code = error.response["Error"]["Code"]
        return code != "NotFoundException" and f"answered {code}"
    return "deleting a missing configuration set succeeded"


_OPTION_PUTS = (
    "put_configuration_set_suppression_options",
    "put_configuration_set_reputation_options",
    "put_configuration_set_sending_options",
    "put_configuration_set_tracking_options",
)


def _set_options_gap(probe):
    missing = moto_gaps.lacks(SESV2Response, *_OPTION_PUTS)
    if missing(probe):
        return missing.describe(True)
    v2 = probe.client("sesv2")
    v2.create_configuration_set(
        ConfigurationSetName="moto-gap-probe", SendingOptions={"SendingEnabled": True}
    )
    found = v2.get_configuration_set(ConfigurationSetName="moto-gap-probe")
    if not found.get("SendingOptions", {}).get("SendingEnabled"):
        return "GetConfigurationSet said sending is disabled"
    return "ReputationOptions" not in found and "GetConfigurationSet left out ReputationOptions"


def _fill_delete_missing_set():
    SESV2Response.delete_configuration_set = delete_configuration_set


def _forgetting_destinations(original):
    def delete(self):
        answer = original(self)
        _destinations(self.sesv2_backend).pop(_path_part(self, "configuration-sets"), None)
        return answer

    return delete


def _install(handlers, url_paths=()):
    def install():
        for handler in handlers:
            setattr(SESV2Response, handler.__name__, handler)
        for pattern in url_paths:
            sesv2_urls.url_paths.setdefault(pattern, SESV2Response.dispatch)

    return install


def _fill_event_destinations():
    _install(_EVENT_DESTINATION_HANDLERS, _EVENT_DESTINATION_PATHS)()
    # The destinations live in storage of this fill: they go with their set.
    SESV2Response.delete_configuration_set = _forgetting_destinations(
        SESV2Response.delete_configuration_set
    )


def _fill_set_options():
    _install(_OPTION_HANDLERS, _OPTION_PATHS)()
    ConfigurationSet.to_dict_v2 = _to_dict_v2


# moto's server routes SES v2 by these patterns (its catch-all "/v2/.*" does not reach
# paths with more segments); in-process mocking needs none of them.
_SET = "{0}/v2/email/configuration-sets/(?P<ConfigurationSetName>[^/]+)"
_EVENT_DESTINATION_PATHS = (
    _SET + "/event-destinations$",
    _SET + "/event-destinations/(?P<EventDestinationName>[^/]+)$",
)
_OPTION_PATHS = (
    _SET + "/reputation-options$",
    _SET + "/sending$",
    _SET + "/suppression-options$",
    _SET + "/tracking-options$",
)
_ACCOUNT_PATHS = (
    "{0}/v2/email/account$",
    "{0}/v2/email/account/details$",
    "{0}/v2/email/account/sending$",
    "{0}/v2/email/account/suppression$",
)
_EVENT_DESTINATION_HANDLERS = (
    create_configuration_set_event_destination,
    get_configuration_set_event_destinations,
    update_configuration_set_event_destination,
    delete_configuration_set_event_destination,
)
_OPTION_HANDLERS = (
    put_configuration_set_suppression_options,
    put_configuration_set_reputation_options,
    put_configuration_set_sending_options,
    put_configuration_set_tracking_options,
)
_ACCOUNT_HANDLERS = (
    get_account,
    put_account_suppression_attributes,
    put_account_sending_attributes,
    put_account_details,
)


def _lacks_any(handlers):
    return moto_gaps.lacks(SESV2Response, *(handler.__name__ for handler in handlers))


# Order matters where fills meet: the event destinations fill wraps whichever
# DeleteConfigurationSet is there, so the one answering NotFoundException goes first.
FILLS = {
    "sesv2-delete-missing-configuration-set": (
        _delete_missing_set_gap,
        _fill_delete_missing_set,
    ),
    "sesv2-event-destinations": (
        _lacks_any(_EVENT_DESTINATION_HANDLERS),
        _fill_event_destinations,
    ),
    "sesv2-configuration-set-options": (_set_options_gap, _fill_set_options),
    "sesv2-account": (
        _lacks_any(_ACCOUNT_HANDLERS),
        _install(_ACCOUNT_HANDLERS, _ACCOUNT_PATHS),
    ),
}


def apply():
    """Fill the gaps the installed moto has (idempotent)."""
    if _APPLIED:
        return
    moto_gaps.fill(FILLS)
    _APPLIED.append(True)
