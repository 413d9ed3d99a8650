"""The execution modules' reads branch on the class of an AWS error (``awsrunbook.errors``),
never on its code or text: through Salt's loader, each reader's client answers what the test
stubs (botocore's Stubber on the very client the module uses; moto answers the rest)."""

import pytest
from awsrunbook import client as aws
from awsrunbook import errors
from botocore.stub import Stubber

REGION = "us-east-1"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ops"

# (function, its arguments, the client's service and operation, the code AWS answers when
# the thing is missing, what the function then returns)
READERS = [
    ("aws_iam.describe_user", ["ops"], "iam", "list_attached_user_policies", "NoSuchEntity", None),
    ("aws_iam.describe_policy", ["ops"], "iam", "get_policy", "NoSuchEntity", None),
    ("aws_iam.delete_policy", ["arn:aws:iam::123456789012:policy/ops"], "iam",
     "list_policy_versions", "NoSuchEntity", False),
    ("aws_iam.get_user_policy", ["ops", "p"], "iam", "get_user_policy", "NoSuchEntity", None),
    ("aws_sns.topic_arn", ["ops"], "sns", "get_topic_attributes", "NotFound", None),
    ("aws_sns.list_subscriptions", [TOPIC], "sns", "list_subscriptions_by_topic", "NotFound",
     None),
    ("sqs_queue.queue_url", ["ops"], "sqs", "get_queue_url",
     "AWS.SimpleQueueService.NonExistentQueue", None),
    ("aws_ses.get_identity", ["example.org"], "sesv2", "get_email_identity",
     "NotFoundException", None),
    ("aws_ses_sending.describe_configuration_set", ["ops"], "sesv2", "get_configuration_set",
     "NotFoundException", None),
    ("aws_ses_receipt.describe_rule_set", ["ops"], "ses", "describe_receipt_rule_set",
     "RuleSetDoesNotExist", None),
    ("aws_ses_receipt.get_bucket_policy", ["ops"], "s3", "get_bucket_policy",
     "NoSuchBucketPolicy", None),
    ("aws_s3.bucket_region", ["ops"], "s3", "head_bucket", "404", None),
    ("aws_rds.describe_db_instance", ["ops"], "rds", "describe_db_instances",
     "DBInstanceNotFound", None),
    ("aws_rds.describe_db_subnet_group", ["ops"], "rds", "describe_db_subnet_groups",
     "DBSubnetGroupNotFoundFault", None),
]  # fmt: skip
IDS = [reader[0] for reader in READERS]


@pytest.fixture
def stubbed():
    """``stubbed(service)``: a Stubber on the client the modules get for ``service`` in
    REGION; all of them are checked for answers left unused and deactivated at the end."""
    stubs = []

    def stub(service):
        stubs.append(Stubber(aws.client(service, {"region": REGION})))
        stubs[-1].activate()
        return stubs[-1]

    yield stub
    for stub_ in stubs:
        stub_.deactivate()
    for stub_ in stubs:
        stub_.assert_no_pending_responses()


@pytest.mark.parametrize("reader", READERS, ids=IDS)
def test_missing_is_an_answer(modules, stubbed, reader):
    function, args, service, operation, code, none = reader
    stubbed(service).add_client_error(operation, code, "not there", 404)
    assert modules[function](*args, region=REGION) is none


@pytest.mark.parametrize("reader", READERS, ids=IDS)
@pytest.mark.parametrize(
    ("answer", "status", "kind"),
    [
        ("Throttling", 400, errors.Throttled),
        ("TooManyRequestsException", 429, errors.Throttled),
        ("ServiceUnavailable", 503, errors.Temporary),
    ],
)
def test_a_throttled_or_failed_read_is_never_missing(
    modules, stubbed, reader, answer, status, kind
):
    """Issue #22: a throttled call was read as "not found". Whatever the reader, it raises
    the temporary error, with AWS's code and the message an operator reads."""
    function, args, service, operation, _, _ = reader
    stubbed(service).add_client_error(operation, answer, "Rate exceeded", status)
    with pytest.raises(
        kind, match=rf"failed: {answer}: Rate exceeded \(temporary: run again later\)$"
    ) as raised:
        modules[function](*args, region=REGION)
    assert type(raised.value) is kind and raised.value.code == answer


def test_a_bucket_policy_read_of_a_missing_bucket_is_no_missing_policy(modules, stubbed):
    """ "No policy" is an answer about a bucket that exists: a missing bucket stays an error."""
    stubbed("s3").add_client_error("get_bucket_policy", "NoSuchBucket", "no bucket", 404)
    with pytest.raises(errors.NotFound, match="GetBucketPolicy on ops failed: NoSuchBucket"):
        modules.aws_ses_receipt.get_bucket_policy("ops", region=REGION)


def test_a_bucket_of_another_account_is_access_denied_with_the_reason(modules, stubbed):
    stubbed("s3").add_client_error("head_bucket", "403", "Forbidden", 403)
    with pytest.raises(errors.AccessDenied, match=r"^bucket ops exists but these credentials"):
        modules.aws_s3.bucket_region("ops", region=REGION)


def test_an_account_listing_iam_refuses_is_none_a_throttled_one_an_error(modules, stubbed):
    stub = stubbed("iam")
    stub.add_client_error("get_account_authorization_details", "AccessDenied", "no", 403)
    assert modules.aws_iam.list_users_and_policies(region=REGION) is None
    stub.add_client_error("get_account_authorization_details", "Throttling", "slow down", 400)
    with pytest.raises(errors.Throttled):
        modules.aws_iam.list_users_and_policies(region=REGION)


def test_waiting_for_verification_stops_at_an_error_that_names_throttling(modules, stubbed, slept):
    """The message names an identity called Throttling...: read by its text (before), the
    refusal was taken for throttling and the wait went on until its timeout."""
    stub = stubbed("sesv2")
    stub.add_response(
        "get_email_identity", {"IdentityType": "DOMAIN", "VerificationStatus": "PENDING"}
    )
    stub.add_client_error("get_email_identity", "AccessDeniedException", "not allowed", 400)
    with pytest.raises(
        errors.AccessDenied,
        match=r"^GetEmailIdentity on Throttling\.example\.org failed: AccessDenied",
    ):
        modules.aws_ses.wait_verified("Throttling.example.org", 5, region=REGION)
    assert slept == [2.0]  # one wait between the two reads, none after the refusal
