"""The run's read-ahead (_utils/awsrunbook/readahead.py) through whole SLS runs: buckets, backup
users and SES identities read concurrently by the first state of their kind, and the cases
where an earlier state of the run changes what a later one read ahead."""

import collections
import logging
import threading

import boto3
import botocore.client
import botocore.exceptions
import pytest
import salt.version
from moto.core.exceptions import AccessDeniedError
from moto.iam.responses import IamResponse

from tests.support import sls as make_sls
from tests.support.calls import recorded_calls, writes

REGION = "eu-west-2"
N = 4


pytestmark = pytest.mark.usefixtures("moto_ses_as_documented")


def many(tmp_path, n=N):
    """``n`` buckets, ``n`` backup users of them, ``n`` SES domains; two of the domains share
    one topic."""
    return "".join(
        make_sls.bucket(f"bucket-{i}", f"ra-bucket-{i}")
        + make_sls.user(f"user-{i}", f"ra-user-{i}", f"ra-bucket-{i}", tmp_path / f"user-{i}.sls")
        + make_sls.domain(f"domain-{i}", f"ra-{i}.example.org", f"ra-topic-{min(i, 1)}")
        for i in range(n)
    )


def by_id(result):
    return {key.split("_|-")[1]: value for key, value in result.raw.items()}


def apply_twice(modules, sls):
    """Apply ``sls`` twice: ``(the first run's calls, the second's)``, once both succeeded and
    the second changed and wrote nothing."""
    with recorded_calls() as first_calls:
        first = modules.state.template_str(sls)
    assert not first.failed, first.errors
    with recorded_calls() as calls:
        again = modules.state.template_str(sls)
    assert not again.failed, again.errors
    assert all(r["changes"] == {} for r in again.raw.values())
    assert writes(calls) == []
    return first_calls, calls


def test_a_run_of_many_resources_converges_with_the_same_calls_and_no_writes(modules, tmp_path):
    first_calls, calls = apply_twice(modules, many(tmp_path))
    ops = collections.Counter(operation for _, operation in calls)
    # What each state reads without read-ahead, once per resource (topics: once each).
    assert ops["HeadBucket"] == ops["GetBucketLifecycleConfiguration"] == N
    assert ops["ListAttachedUserPolicies"] == ops["ListAccessKeys"] == N
    assert ops["GetPolicy"] == ops["GetPolicyVersion"] == N
    assert ops["GetEmailIdentity"] == N
    assert ops["ListSubscriptionsByTopic"] == 2
    assert ops["GetIdentityNotificationAttributes"] == 1
    assert len(calls) <= 3.4 * 3 * N
    # The shared topic was created and subscribed to once.
    assert collections.Counter(op for _, op in first_calls)["CreateTopic"] == 2
    assert collections.Counter(op for _, op in first_calls)["Subscribe"] == 2


@pytest.mark.skipif(
    salt.version.__saltstack_version__.major < 3008,
    reason="template_str takes no test=True, and before 3008 the in-process loader keeps its "
    "own copy of the options, so test mode cannot be set here; the state's test mode is "
    "applied through salt-call, read-ahead included, in tests/integration/test_backup.py on "
    "every Salt line",
)
def test_test_mode_reports_what_the_real_run_does(modules, minion_opts, tmp_path, monkeypatch):
    sls = many(tmp_path)
    with monkeypatch.context() as test_mode, recorded_calls() as calls:
        # template_str takes no test=True; Salt 3008's loader shares the minion's options.
        test_mode.setitem(minion_opts, "test", True)
        dry = modules.state.template_str(sls)
    assert writes(calls) == []
    assert all(r["result"] is None for r in dry.raw.values())
    real = modules.state.template_str(sls)
    assert not real.failed, real.errors
    dry_fields = {sid: sorted(r["changes"]) for sid, r in by_id(dry).items()}
    real_fields = {sid: sorted(r["changes"]) for sid, r in by_id(real).items()}
    assert dry_fields == real_fields
    # Only the first domain of the shared topic creates it, in both modes.
    assert "topic" in by_id(dry)["domain-1"]["changes"]
    assert "topic" not in by_id(dry)["domain-2"]["changes"]


def test_a_policy_shared_by_two_users_is_read_again_after_the_first_writes_it(modules, tmp_path):
    """Both users' reads were taken before the first one created the shared policy: the
    second plans from a fresh read, attaches the policy and does not create it again."""
    shared = make_sls.users(tmp_path, 3, "shared", policy_name="shared-backup")
    with recorded_calls() as calls:
        first = modules.state.template_str(shared)
    assert not first.failed, first.errors
    assert calls.count(("iam", "CreatePolicy")) == 1
    assert calls.count(("iam", "AttachUserPolicy")) == 3, [r["comment"] for r in first.raw.values()]
    assert "policy" not in by_id(first)["user-2"]["changes"]
    with recorded_calls() as calls:
        again = modules.state.template_str(shared)
    assert writes(calls) == [] and not again.failed


def test_a_topic_a_configuration_set_made_earlier_in_the_run_is_read_again(modules, tmp_path):
    """The second identity's topic was read ahead (missing) before the configuration set
    created it and subscribed ops@; the identity then uses the topic as it is, and its own
    configuration set (made moments ago) is set once. (Salt runs the states in the order of
    their IDs here.)"""
    sls = f"""
a-domain:
  ses_identity.present:
    - name: a.example.org
    - region: {REGION}
    - notifications: {{topic: feedback-a, subscribers: [ops@example.org]}}
b-credere:
  ses_configuration_set.present:
    - region: {REGION}
    - event_destinations:
        to-sns:
          events: [REJECT]
          sns_topic: feedback-b
          subscribers: [ops@example.org]
c-domain:
  ses_identity.present:
    - name: b.example.org
    - region: {REGION}
    - configuration_set: credere
    - notifications: {{topic: feedback-b, subscribers: [ops@example.org]}}
"""
    with recorded_calls() as calls:
        first = modules.state.template_str(sls)
    assert not first.failed, first.errors
    changes = by_id(first)["c-domain"]["changes"]
    assert "topic" not in changes and "subscribers" not in changes
    assert calls.count(("sns", "Subscribe")) == 2
    assert calls.count(("sns", "CreateTopic")) == 2
    identity = boto3.client("sesv2", region_name=REGION).get_email_identity(
        EmailIdentity="b.example.org"
    )
    assert identity["ConfigurationSetName"] == "credere"
    with recorded_calls() as calls:
        again = modules.state.template_str(sls)
    assert writes(calls) == [] and not again.failed


def test_a_single_resource_is_read_as_before(modules):
    sls = f"""
bucket:
  s3_backup_bucket.present:
    - name: lone-bucket
    - region: {REGION}
"""
    modules.state.template_str(sls)
    with recorded_calls() as calls:
        modules.state.template_str(sls)
    # HeadBucket first (it says where the bucket is), then its three settings at once.
    assert calls[0] == ("s3", "HeadBucket")
    assert sorted(op for _, op in calls[1:]) == [
        "GetBucketEncryption",
        "GetBucketLifecycleConfiguration",
        "GetPublicAccessBlock",
    ]


def test_the_first_state_reads_ahead_for_every_kind_of_the_run(modules, tmp_path, monkeypatch):
    sls = many(tmp_path)
    assert not modules.state.template_str(sls).failed
    threads = collections.defaultdict(set)
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        service = self.meta.service_model.service_name
        threads[(service, operation_name)].add(threading.current_thread().name.split("_")[0])
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    assert not modules.state.template_str(sls).failed
    kinds = {
        "bucket": {"HeadBucket", "GetPublicAccessBlock", "GetBucketEncryption"},
        "user": {"ListAttachedUserPolicies", "ListAccessKeys", "GetPolicy", "GetPolicyVersion"},
        "identity": {"GetEmailIdentity"},
    }
    # Only the run's first state reads in the main thread (its own resource, and the batch
    # of notification attributes; a bucket's three settings are read at once, in threads):
    # every other read, of every kind, ran in its service's pool (the modules after the
    # first loaded through Salt's __states__).
    in_main = {op for (_, op), names in threads.items() if "MainThread" in names}
    first = in_main - {"GetIdentityNotificationAttributes"}
    assert first in ({"HeadBucket"}, kinds["user"], kinds["identity"])
    pools = {"sesv2": "ses"}
    settings = kinds["bucket"] - {"HeadBucket"} | {"GetBucketLifecycleConfiguration"}
    for (service, op), names in threads.items():
        if op in settings:
            assert names == {"awsrunbook-s3-bucket"}, op
        elif op != "GetIdentityNotificationAttributes":
            assert names - {"MainThread"} == {f"awsrunbook-{pools.get(service, service)}"}, op


def users(tmp_path, n, policy_name=None):
    """``n`` backup users of one bucket, each with its own policy unless ``policy_name``."""
    return make_sls.users(tmp_path, n, "listed", policy_name)


MANY_USERS = 6  # the first reads alone, the other five (LISTING_FROM) from one listing


def test_many_backup_users_are_read_ahead_from_one_listing_of_the_account(modules, tmp_path):
    _, calls = apply_twice(modules, users(tmp_path, MANY_USERS))
    ops = collections.Counter(operation for _, operation in calls)
    # The first user as without read-ahead; the rest from the listing and their access keys.
    assert ops["GetAccountAuthorizationDetails"] == 1
    assert ops["ListAttachedUserPolicies"] == ops["GetPolicy"] == ops["GetPolicyVersion"] == 1
    assert ops["ListAccessKeys"] == MANY_USERS
    assert len(calls) == MANY_USERS + 4


def test_without_leave_to_list_the_account_each_user_is_read_on_its_own(
    modules, tmp_path, monkeypatch, caplog
):
    sls = users(tmp_path, MANY_USERS)
    assert not modules.state.template_str(sls).failed

    def denied(_response):
        raise AccessDeniedError(
            "arn:aws:iam::123456789012:user/ops", "GetAccountAuthorizationDetails"
        )

    monkeypatch.setattr(IamResponse, "get_account_authorization_details", denied)
    with caplog.at_level(logging.INFO), recorded_calls() as calls:
        again = modules.state.template_str(sls)
    assert not again.failed, again.errors
    assert all(r["changes"] == {} for r in again.raw.values()) and writes(calls) == []
    ops = collections.Counter(operation for _, operation in calls)
    assert ops["GetAccountAuthorizationDetails"] == 1
    assert ops["GetPolicy"] == ops["ListAttachedUserPolicies"] == MANY_USERS
    assert "not allowed to list the account (AccessDenied)" in caplog.text


def test_a_policy_shared_by_many_users_is_read_again_after_the_first_writes_it(modules, tmp_path):
    """As with few users, when the others were read from one listing taken before the
    first user created the policy they share."""
    sls = users(tmp_path, MANY_USERS, policy_name="listed-shared")
    with recorded_calls() as calls:
        first = modules.state.template_str(sls)
    assert not first.failed, first.errors
    assert calls.count(("iam", "GetAccountAuthorizationDetails")) == 1
    assert calls.count(("iam", "CreatePolicy")) == 1
    assert calls.count(("iam", "AttachUserPolicy")) == MANY_USERS
    with recorded_calls() as calls:
        again = modules.state.template_str(sls)
    assert writes(calls) == [] and not again.failed


def test_with_credentials_aws_refuses_each_state_sends_its_own_read_once(
    modules, tmp_path, monkeypatch
):
    """The read-ahead starts only once AWS has answered one of the first state's calls: with
    credentials AWS refuses, nothing is read in the background and nothing twice."""
    sls = many(tmp_path, n=3)
    calls = []

    def refused(self, operation_name, api_params):
        calls.append(operation_name)
        error = {"Error": {"Code": "InvalidClientTokenId", "Message": "bad token"}}
        raise botocore.exceptions.ClientError(error, operation_name)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refused)
    result = modules.state.template_str(sls)
    assert all(r["result"] is False for r in result.raw.values())
    assert all("InvalidClientTokenId" in r["comment"] for r in result.raw.values())
    assert len(calls) == len(result.raw) == 9
