"""Make moto's SES backends (5.2.x) answer as the AWS API reference documents.

Loaded in-process by the functional tests (``apply()`` before ``moto.mock_aws``) and into the
moto server the integration tests start (``PATCH_MODULES`` in ``tests/support/moto_server.py``).
``apply()`` is idempotent and fills each gap below only where its check (``FILLS``, run by
``moto_gaps``) finds it in the installed moto; a gap whose fills share storage is one gap,
filled whole or not at all. Each was seen in moto 5.2.5 and 5.2.6:

SES v1 (``ses``)
 1. ``ses-v1-notifications`` (one gap: the fills share the header flags' storage):
    ``GetIdentityNotificationAttributes`` never returned ``BounceTopic``/``ComplaintTopic``/
    ``DeliveryTopic`` (they were stored, not returned), always said the headers were off, and
    answered for identities that do not exist; ``SetIdentityHeadersInNotificationsEnabled``
    was not implemented (500); ``SetIdentityNotificationTopic`` without ``SnsTopic`` (clearing
    a topic) raised KeyError (500) when no topic was set. Now: the stored topics, the header
    flags stored per identity and notification type (and deleted with the identity), only
    existing identities; clearing an unset topic is a no-op, as on AWS.
 2. ``ses-v1-verification-status``: ``GetIdentityVerificationAttributes`` always said
    ``Success``. Now the identity's own status (v1 spelling of the v2 value).
 3. ``ses-v1-dkim-attributes``: ``GetIdentityDkimAttributes`` always said ``DkimEnabled:
    true`` and gave every domain the same three tokens. Now ``DkimEnabled`` follows the
    identity's signing flag and each domain has its own tokens (stable, derived from the
    domain name).
 4. ``ses-v1-delete-identity``: ``DeleteIdentity`` kept the identity's notification topics,
    MAIL FROM domain, DKIM tokens and tags (a re-created identity inherited them), and raised
    KeyError for an address whose domain was verified. Now everything of the identity goes
    with it.

SES v2 (``sesv2``)
 5. ``sesv2-email-identity`` (one gap: create, get and the puts share the identity's tags,
    tokens and MAIL FROM storage): ``CreateEmailIdentity`` returned no
    ``DkimAttributes.Tokens``, tagged the identity under ``email-identity/NAME`` rather than
    the documented ``identity/NAME`` ARN, and silently replaced an existing identity;
    ``GetEmailIdentity`` returned no DKIM tokens, no ``CurrentSigningKeyLength``, no
    ``MailFromAttributes``, ``FeedbackForwardingStatus`` always false, the creation-time tags
    only, and ``VerifiedForSendingStatus`` false; ``PutEmailIdentityMailFromAttributes``,
    ``PutEmailIdentityFeedbackAttributes``, ``PutEmailIdentityConfigurationSetAttributes``,
    ``PutEmailIdentityDkimSigningAttributes`` and ``PutEmailIdentityDkimAttributes`` were not
    implemented (500 in-process; 404 from the server, which routes no
    ``/v2/email/identities/NAME/...`` sub-paths). Now: tokens for domains with Easy DKIM, tags
    under ``arn:aws:ses:REGION:ACCOUNT:identity/NAME``, ``AlreadyExistsException`` for a
    duplicate, everything stored returned, and the puts with AWS's checks (the MAIL FROM
    domain must be a subdomain of the identity's domain; email forwarding can only be turned
    off when bounce and complaint topics are both set; the configuration set must exist).

``dkim_tokens`` and ``set_status`` are for tests: the tokens the v2 fill gives a domain, and
an identity's status set on the backend object.

Not patched (tests live with it): AWS starts a new identity's verification, DKIM and MAIL FROM
status at ``PENDING`` until the DNS records are seen; moto says ``SUCCESS`` at once. Tests that
need another status set it on the backend object directly (``set_status``).
"""

import hashlib
import json

from moto.core.responses import EmptyResult
from moto.ses import models as ses_models
from moto.ses import responses as ses_responses
from moto.ses.exceptions import InvalidParameterValue, NotFoundException
from moto.sesv2 import models as v2_models
from moto.sesv2 import responses as v2_responses
from moto.sesv2 import urls as v2_urls

from tests.support import moto_errors, moto_gaps

_MARK = "_awsrunbook_patched"
TYPES = ("Bounce", "Complaint", "Delivery")
V1_STATUS = {
    "SUCCESS": "Success",
    "PENDING": "Pending",
    "FAILED": "Failed",
    "TEMPORARY_FAILURE": "TemporaryFailure",
    "NOT_STARTED": "NotStarted",
}
V1_BEHAVIOR = {"USE_DEFAULT_VALUE": "UseDefaultValue", "REJECT_MESSAGE": "RejectMessage"}
V2_BEHAVIOR = {v1: v2 for v2, v1 in V1_BEHAVIOR.items()}


# The regions whose Easy DKIM zone is not dkim.amazonses.com, from the "Easy DKIM domains"
# table of the AWS General Reference (Amazon SES endpoints and quotas). Kept to a few
# regions: the tests need one that differs (af-south-1) and one that does not; the code under
# test never uses this table, it reads the zone from SES's answer.
REGIONAL_DKIM_ZONES = {
    region: f"dkim.{region}.amazonses.com"
    for region in ("af-south-1", "ap-northeast-3", "ap-southeast-3", "eu-south-1", "il-central-1")
}


def signing_hosted_zone(region):
    """The ``SigningHostedZone`` AWS documents for Easy DKIM identities of ``region``."""
    return REGIONAL_DKIM_ZONES.get(region, "dkim.amazonses.com")


def dkim_tokens(domain):
    """The three Easy DKIM tokens the patched backend gives ``domain`` (stable per name)."""
    return [hashlib.sha256(f"{domain}:{i}".encode()).hexdigest()[:32] for i in range(1, 4)]


def identity_arn(backend, identity):
    where = f"{backend.partition}:ses:{backend.region_name}:{backend.account_id}"
    return f"arn:{where}:identity/{identity}"


def set_status(backend, identity, verification=None, dkim=None):
    """Test helper: set an identity's verification and/or DKIM status on the v1 backend."""
    found = backend.email_identities[identity]
    if verification:
        found.verification_status = verification
    if dkim:
        found.dkim_attributes["Status"] = dkim


def _headers(backend):
    if not hasattr(backend, "awsrunbook_headers"):
        backend.awsrunbook_headers = {}
    return backend.awsrunbook_headers


def _domain_of(identity):
    return identity.split("@")[-1].lower()


# --- SES v1 backend -------------------------------------------------------------------------


def get_identity_notification_attributes(self, identities):
    response = {}
    for identity in identities:
        if identity not in self.email_identities:
            continue
        config = self.sns_topics.get(identity, {})
        headers = _headers(self).get(identity, {})
        attrs = {"ForwardingEnabled": config.get(ses_models.SESFeedback.FORWARDING_ENABLED, True)}
        for kind in TYPES:
            if config.get(kind):
                attrs[f"{kind}Topic"] = config[kind]
            attrs[f"HeadersIn{kind}NotificationsEnabled"] = headers.get(kind, False)
        response[identity] = attrs
    return response


def set_identity_notification_topic(self, identity, notification_type, sns_topic):
    if identity not in self.email_identities:
        raise InvalidParameterValue(f"Identity <{identity}> does not exist.")
    topics = self.sns_topics.setdefault(identity, {})
    if sns_topic is None:
        topics.pop(notification_type, None)
    else:
        topics[notification_type] = sns_topic


def set_identity_headers_in_notifications_enabled(self, identity, notification_type, enabled):
    if identity not in self.email_identities:
        raise InvalidParameterValue(f"Identity <{identity}> does not exist.")
    _headers(self).setdefault(identity, {})[notification_type] = enabled


def get_identity_verification_attributes(self, identities=None):
    result = {}
    for identity in identities or []:
        found = self.email_identities.get(identity)
        if found is None:
            continue
        attrs = {"VerificationStatus": V1_STATUS.get(found.verification_status, "Pending")}
        if found.identity_type == "DOMAIN":
            attrs["VerificationToken"] = hashlib.sha256(identity.encode()).hexdigest()[:44]
        result[identity] = attrs
    return result


def get_identity_dkim_attributes(self, identities):
    result = {}
    for identity in identities:
        found = self.email_identities.get(identity)
        if found is None:
            result[identity] = {"DkimEnabled": False, "DkimVerificationStatus": "NotStarted"}
            continue
        attrs = {
            "DkimEnabled": bool(found.dkim_attributes.get("SigningEnabled")),
            "DkimVerificationStatus": V1_STATUS.get(
                found.dkim_attributes.get("Status"), "NotStarted"
            ),
        }
        if identity in self.dkim_tokens:
            attrs["DkimTokens"] = list(self.dkim_tokens[identity])
        result[identity] = attrs
    return result


def delete_identity(self, identity):
    self.email_identities.pop(identity, None)
    self.sns_topics.pop(identity, None)
    _headers(self).pop(identity, None)
    self.identity_mail_from_domains.pop(identity, None)
    self.dkim_tokens.pop(identity, None)
    arn = identity_arn(self, identity)
    if self.tagger.has_tags(arn):
        self.tagger.delete_all_tags_for_resource(arn)


def _v1_set_headers_response(self):
    self.backend.set_identity_headers_in_notifications_enabled(
        self._get_param("Identity"),
        self._get_param("NotificationType"),
        self._get_bool_param("Enabled", False),
    )
    return EmptyResult()


# --- SES v2 backend and responses -----------------------------------------------------------


def create_email_identity(
    self, email_identity, tags, dkim_signing_attributes, configuration_set_name
):
    core = self.core_backend
    if email_identity in core.email_identities:
        raise moto_errors.already_exists(f"Email identity {email_identity} already exist.")
    identity = core.create_email_identity_v2(
        email_identity, None, dkim_signing_attributes, configuration_set_name
    )
    if identity.identity_type == "DOMAIN" and identity.dkim_attributes.get("SigningEnabled"):
        core.dkim_tokens[email_identity] = dkim_tokens(email_identity)
        identity.dkim_attributes["Tokens"] = list(core.dkim_tokens[email_identity])
        identity.dkim_attributes["CurrentSigningKeyLength"] = identity.dkim_attributes[
            "NextSigningKeyLength"
        ]
    if tags:
        core.tagger.tag_resource(identity_arn(core, email_identity), tags)
    return identity


def _found(self, email_identity):
    core = self.core_backend
    if email_identity not in core.email_identities:
        raise NotFoundException(f"Email identity {email_identity} does not exist.")
    return core.email_identities[email_identity]


def _v2_identity_response(backend, identity):
    core = backend.core_backend
    name = identity.email_identity
    dkim = dict(identity.dkim_attributes)
    if name in core.dkim_tokens and dkim.get("SigningEnabled"):
        dkim["Tokens"] = list(core.dkim_tokens[name])
    if dkim.get("Tokens") and dkim.get("SigningAttributesOrigin", "AWS_SES") == "AWS_SES":
        dkim.setdefault("SigningHostedZone", signing_hosted_zone(backend.region_name))
    body = {
        "IdentityType": identity.identity_type,
        "FeedbackForwardingStatus": core.sns_topics.get(name, {}).get(
            ses_models.SESFeedback.FORWARDING_ENABLED, True
        ),
        "VerifiedForSendingStatus": identity.verification_status == "SUCCESS",
        "DkimAttributes": dkim,
        "Policies": identity.policies,
        "Tags": core.tagger.list_tags_for_resource(identity_arn(core, name))["Tags"],
        "VerificationStatus": identity.verification_status,
    }
    mail_from = core.identity_mail_from_domains.get(name)
    if mail_from and mail_from.get("mail_from_domain"):
        body["MailFromAttributes"] = {
            "MailFromDomain": mail_from["mail_from_domain"],
            "MailFromDomainStatus": "SUCCESS",
            "BehaviorOnMxFailure": V2_BEHAVIOR.get(
                mail_from.get("behavior_on_mx_failure") or "UseDefaultValue", "USE_DEFAULT_VALUE"
            ),
        }
    if identity.configuration_set_name:
        body["ConfigurationSetName"] = identity.configuration_set_name
    return body


def _v2_create_response(self):
    identity = self.sesv2_backend.create_email_identity(
        email_identity=self._get_param("EmailIdentity"),
        tags=self._get_param("Tags"),
        dkim_signing_attributes=self._get_param("DkimSigningAttributes"),
        configuration_set_name=self._get_param("ConfigurationSetName"),
    )
    full = _v2_identity_response(self.sesv2_backend, identity)
    return json.dumps(
        {
            "IdentityType": full["IdentityType"],
            "VerifiedForSendingStatus": full["VerifiedForSendingStatus"],
            "DkimAttributes": full["DkimAttributes"],
        },
        default=str,
    )


def _v2_get_response(self):
    identity = _found(self.sesv2_backend, self._get_param("EmailIdentity"))
    return json.dumps(_v2_identity_response(self.sesv2_backend, identity), default=str)


def _v2_put_mail_from(self):
    name = self._get_param("EmailIdentity")
    _found(self.sesv2_backend, name)
    core = self.sesv2_backend.core_backend
    domain = self._get_param("MailFromDomain")
    behavior = self._get_param("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE"
    if not domain:
        core.identity_mail_from_domains.pop(name, None)
        return json.dumps({})
    parent = _domain_of(name)
    if not domain.lower().endswith("." + parent):
        raise moto_errors.bad_request(
            f"Provided MAIL-FROM domain '{domain}' is not subdomain of the domain of the "
            f"identity '{parent}'."
        )
    core.identity_mail_from_domains[name] = {
        "mail_from_domain": domain,
        "behavior_on_mx_failure": V1_BEHAVIOR[behavior],
    }
    return json.dumps({})


def _v2_put_feedback(self):
    name = self._get_param("EmailIdentity")
    _found(self.sesv2_backend, name)
    core = self.sesv2_backend.core_backend
    enabled = bool(self._get_param("EmailForwardingEnabled"))
    topics = core.sns_topics.setdefault(name, {})
    if not enabled and not (topics.get("Bounce") and topics.get("Complaint")):
        raise moto_errors.bad_request(
            "Feedback forwarding can only be disabled when bounce and complaint notifications "
            "are published to Amazon SNS topics."
        )
    topics[ses_models.SESFeedback.FORWARDING_ENABLED] = enabled
    return json.dumps({})


def _v2_put_configuration_set(self):
    identity = _found(self.sesv2_backend, self._get_param("EmailIdentity"))
    config_set = self._get_param("ConfigurationSetName")
    if config_set and config_set not in self.sesv2_backend.core_backend.config_sets:
        raise NotFoundException(f"Configuration set {config_set} does not exist.")
    identity.configuration_set_name = config_set or None
    return json.dumps({})


def _v2_put_dkim_signing(self):
    name = self._get_param("EmailIdentity")
    identity = _found(self.sesv2_backend, name)
    core = self.sesv2_backend.core_backend
    origin = self._get_param("SigningAttributesOrigin")
    attrs = self._get_param("SigningAttributes") or {}
    dkim = identity.dkim_attributes
    dkim["SigningAttributesOrigin"] = origin
    if origin == "AWS_SES":
        dkim["NextSigningKeyLength"] = attrs.get("NextSigningKeyLength", "RSA_2048_BIT")
        dkim.setdefault("CurrentSigningKeyLength", dkim["NextSigningKeyLength"])
        dkim["SigningEnabled"] = True
        dkim["Status"] = "SUCCESS"
        core.dkim_tokens.setdefault(name, dkim_tokens(name))
    return json.dumps({"DkimStatus": dkim["Status"], "DkimTokens": core.dkim_tokens.get(name, [])})


def _v2_put_dkim(self):
    identity = _found(self.sesv2_backend, self._get_param("EmailIdentity"))
    identity.dkim_attributes["SigningEnabled"] = bool(self._get_param("SigningEnabled"))
    return json.dumps({})


# --- checks: is the gap there in the installed moto? ----------------------------------------

_DOMAIN = "moto-gap-probe.example"
_OTHER = "other.moto-gap-probe.example"


def _notifications_gap(probe):
    if not hasattr(ses_responses.EmailResponse, "set_identity_headers_in_notifications_enabled"):
        return "SetIdentityHeadersInNotificationsEnabled is not implemented"
    ses = probe.client("ses")
    topic = probe.client("sns").create_topic(Name="moto-gap-probe")["TopicArn"]
    ses.verify_domain_identity(Domain=_DOMAIN)
    ses.set_identity_notification_topic(Identity=_DOMAIN, NotificationType="Delivery")
    ses.set_identity_notification_topic(Identity=_DOMAIN, NotificationType="Bounce", SnsTopic=topic)
    ses.set_identity_headers_in_notifications_enabled(
        Identity=_DOMAIN, NotificationType="Bounce", Enabled=True
    )
    found = ses.get_identity_notification_attributes(Identities=[_DOMAIN, _OTHER])
    attrs = found["NotificationAttributes"]
    mine = attrs.get(_DOMAIN, {})
    if mine.get("BounceTopic") != topic or not mine.get("HeadersInBounceNotificationsEnabled"):
        return "GetIdentityNotificationAttributes left out the topic or the header flag set"
    return _OTHER in attrs and "GetIdentityNotificationAttributes answered for a missing identity"


def _verification_status_gap(probe):
    ses = probe.client("ses")
    address = f"someone@{_DOMAIN}"
    ses.verify_email_identity(EmailAddress=address)
    set_status(probe.backend(ses_models.ses_backends), address, verification="PENDING")
    found = ses.get_identity_verification_attributes(Identities=[address])
    status = found["VerificationAttributes"][address]["VerificationStatus"]
    return status != "Pending" and f"a pending identity's status was {status}"


def _dkim_attributes_gap(probe):
    ses = probe.client("ses")
    for domain in (_DOMAIN, _OTHER):
        ses.verify_domain_dkim(Domain=domain)
    backend = probe.backend(ses_models.ses_backends)
    backend.email_identities[_OTHER].dkim_attributes["SigningEnabled"] = False
    found = ses.get_identity_dkim_attributes(Identities=[_DOMAIN, _OTHER])["DkimAttributes"]
    if found[_OTHER]["DkimEnabled"]:
        return "DkimEnabled was true for an identity that does not sign"
    mine, other = found[_DOMAIN].get("DkimTokens"), found[_OTHER].get("DkimTokens")
    return bool(mine) and mine == other and "two domains were given the same DKIM tokens"


def _delete_identity_gap(probe):
    ses = probe.client("ses")
    ses.verify_domain_identity(Domain=_DOMAIN)
    ses.delete_identity(Identity=f"nobody@{_DOMAIN}")  # raises where moto has the gap
    ses.set_identity_mail_from_domain(Identity=_DOMAIN, MailFromDomain=f"mail.{_DOMAIN}")
    ses.delete_identity(Identity=_DOMAIN)
    ses.verify_domain_identity(Domain=_DOMAIN)
    found = ses.get_identity_mail_from_domain_attributes(Identities=[_DOMAIN])
    kept = found["MailFromDomainAttributes"].get(_DOMAIN, {}).get("MailFromDomain")
    return bool(kept) and "a re-created identity kept the deleted one's MAIL FROM domain"


_V2_PUTS = (
    "put_email_identity_mail_from_attributes",
    "put_email_identity_feedback_attributes",
    "put_email_identity_configuration_set_attributes",
    "put_email_identity_dkim_signing_attributes",
    "put_email_identity_dkim_attributes",
)


def _v2_identity_gap(probe):
    missing = moto_gaps.lacks(v2_responses.SESV2Response, *_V2_PUTS)
    if missing(probe):
        return missing.describe(True)
    v2 = probe.client("sesv2")
    created = v2.create_email_identity(
        EmailIdentity=_DOMAIN,
        Tags=[{"Key": "probe", "Value": "1"}],
        DkimSigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"},
    )
    if not created.get("DkimAttributes", {}).get("Tokens"):
        return "CreateEmailIdentity gave no DKIM tokens"
    arn = identity_arn(probe.backend(ses_models.ses_backends), _DOMAIN)
    if not v2.list_tags_for_resource(ResourceArn=arn)["Tags"]:
        return "the identity's tags are not under its identity/NAME ARN"
    got = v2.get_email_identity(EmailIdentity=_DOMAIN)
    if not got["DkimAttributes"].get("CurrentSigningKeyLength") or not got.get("Tags"):
        return "GetEmailIdentity left out CurrentSigningKeyLength or the tags"
    try:
        v2.create_email_identity(EmailIdentity=_DOMAIN)
    except v2.exceptions.AlreadyExistsException:
        return False
    return "CreateEmailIdentity replaced an existing identity"


# --- fills ----------------------------------------------------------------------------------


def _fill_notifications():
    backend = ses_models.SESBackend
    backend.get_identity_notification_attributes = get_identity_notification_attributes
    backend.set_identity_notification_topic = set_identity_notification_topic
    backend.set_identity_headers_in_notifications_enabled = (
        set_identity_headers_in_notifications_enabled
    )
    ses_responses.EmailResponse.set_identity_headers_in_notifications_enabled = (
        _v1_set_headers_response
    )
    # The header flags live in storage of this fill: they go with their identity.
    backend.delete_identity = _forgetting_headers(backend.delete_identity)


def _forgetting_headers(original):
    def delete(self, identity):
        original(self, identity)
        _headers(self).pop(identity, None)

    return delete


def _fill_verification_status():
    ses_models.SESBackend.get_identity_verification_attributes = (
        get_identity_verification_attributes
    )


def _fill_dkim_attributes():
    ses_models.SESBackend.get_identity_dkim_attributes = get_identity_dkim_attributes


def _fill_delete_identity():
    ses_models.SESBackend.delete_identity = delete_identity


def _fill_v2_identity():
    v2_models.SESV2Backend.create_email_identity = create_email_identity
    v2 = v2_responses.SESV2Response
    v2.create_email_identity = _v2_create_response
    v2.get_email_identity = _v2_get_response
    v2.put_email_identity_mail_from_attributes = _v2_put_mail_from
    v2.put_email_identity_feedback_attributes = _v2_put_feedback
    v2.put_email_identity_configuration_set_attributes = _v2_put_configuration_set
    v2.put_email_identity_dkim_signing_attributes = _v2_put_dkim_signing
    v2.put_email_identity_dkim_attributes = _v2_put_dkim
    identity_path = "{0}/v2/email/identities/(?P<EmailIdentity>[^/]+)/"
    for sub in ("mail-from", "feedback", "configuration-set", "dkim", "dkim/signing"):
        v2_urls.url_paths.setdefault(identity_path + sub + "$", v2.dispatch)


# Order matters where fills meet: the notifications fill wraps whichever DeleteIdentity is
# there, so the full one (when its gap is there) goes first.
FILLS = {
    "ses-v1-delete-identity": (_delete_identity_gap, _fill_delete_identity),
    "ses-v1-notifications": (_notifications_gap, _fill_notifications),
    "ses-v1-verification-status": (_verification_status_gap, _fill_verification_status),
    "ses-v1-dkim-attributes": (_dkim_attributes_gap, _fill_dkim_attributes),
    "sesv2-email-identity": (_v2_identity_gap, _fill_v2_identity),
}


def apply():
    """Fill the gaps of moto's SES v1 and v2 that the installed moto has (idempotent)."""
    if getattr(ses_models.SESBackend, _MARK, False):
        return
    moto_gaps.fill(FILLS)
    setattr(ses_models.SESBackend, _MARK, True)
