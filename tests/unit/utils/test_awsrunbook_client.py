"""Connection plumbing: arguments, profiles, cached clients, errors."""

import os

import boto3
import botocore.exceptions
import moto
import pytest
from awsrunbook import client as aws
from awsrunbook import errors
from botocore.stub import Stubber
from salt.exceptions import CommandExecutionError, SaltInvocationError


def test_explicit_arguments_override_the_profile():
    conn = {
        "profile": {"region": "eu-west-1", "keyid": "AKIAPROFILE", "key": "p"},
        "region": "eu-west-2",
    }
    settings = aws.resolve_connection(conn)
    assert settings["region"] == "eu-west-2" and settings["keyid"] == "AKIAPROFILE"


def test_profile_name_from_salt_config_or_aws_config(tmp_path, monkeypatch):
    (tmp_path / "config").write_text("[profile ops]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    config = {"backups": {"region": "ap-south-1", "keyid": "AKIA1", "key": "k"}}
    assert aws.resolve_connection({"profile": "backups"}, config.get)["region"] == "ap-south-1"
    # Not a Salt config key: an AWS CLI profile name, handed to boto3.
    assert (
        aws.resolve_connection({"profile": "ops", "region": "us-east-1"}, config.get)["aws_profile"]
        == "ops"
    )


def test_a_profile_nobody_defines_is_one_clean_error(tmp_path, monkeypatch):
    # Issue 21 item 9: botocore's ProfileNotFound traceback became an error naming profile.
    (tmp_path / "config").write_text("[profile ops]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    with pytest.raises(SaltInvocationError, match=r"^profile: 'nosuchprofile' is neither"):
        aws.resolve_connection({"profile": "nosuchprofile", "region": "us-east-1"}, {}.get)
    with pytest.raises(SaltInvocationError, match=r"^profile: 'nosuchprofile' is neither"):
        aws.resolve_connection({"profile": "nosuchprofile"})


@pytest.mark.parametrize(
    ("conn", "arg"),
    [
        ({"keyid": "AKIA", "key": {"secret": "s3cr3t"}}, "key"),
        ({"keyid": ["AKIA"], "key": "s3cr3t"}, "keyid"),
        ({"keyid": "AKIA", "key": ""}, "key"),
        ({"role_arn": {"arn": 1}}, "role_arn"),
    ],
)
def test_credentials_must_be_strings_and_are_not_shown(conn, arg):
    with pytest.raises(SaltInvocationError) as exc:
        aws.resolve_connection({**conn, "region": "us-east-1"})
    assert str(exc.value).startswith(f"{arg}: ") and "s3cr3t" not in str(exc.value)


def test_ses_clients_exist_only_in_ses_regions():
    with pytest.raises(SaltInvocationError, match=r"^region: has no SES endpoint"):
        aws.client("sesv2", {"region": "ap-east-1"})
    assert aws.client("s3", {"region": "ap-east-1"}).meta.region_name == "ap-east-1"


def test_keyid_without_key_is_rejected():
    with pytest.raises(SaltInvocationError, match="keyid and key must be given together"):
        aws.resolve_connection({"keyid": "AKIA", "region": "us-east-1"})


def test_unknown_profile_keys_are_rejected():
    with pytest.raises(SaltInvocationError, match=r"profile: unknown key\(s\) \['secret'\]"):
        aws.resolve_connection({"profile": {"secret": "x"}, "region": "us-east-1"})


def test_no_region_anywhere(monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(SaltInvocationError, match=r"^region: not given"):
        aws.resolve_connection({})


def test_default_region_is_remembered_until_its_sources_change(monkeypatch, tmp_path):
    sessions = []
    real_session = boto3.session.Session
    monkeypatch.setattr(
        boto3.session, "Session", lambda **kw: sessions.append(kw) or real_session(**kw)
    )
    assert [aws.region_of({}) for _ in range(3)] == ["us-east-1"] * 3
    assert len(sessions) == 1  # one boto3 session for three answers
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    assert aws.region_of({}) == "eu-west-2"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = ap-south-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert aws.region_of({}) == "ap-south-1"
    config.write_text("[default]\nregion = sa-east-1\n")
    os.utime(config, ns=(0, config.stat().st_mtime_ns + 1_000_000))  # an edit, seen by mtime
    assert aws.region_of({}) == "sa-east-1"


def test_clients_are_cached_per_service_region_and_credentials():
    first = aws.client("s3", {"region": "eu-west-2"})
    assert aws.client("s3", {"region": "eu-west-2"}) is first
    assert aws.client("s3", {"region": "eu-west-1"}) is not first
    assert aws.client("s3", {"region": "eu-west-2", "keyid": "AKIAOTHER", "key": "x"}) is not first
    assert first.meta.config.retries["mode"] == "standard"
    adaptive = aws.client("s3", {"region": "eu-west-2", "profile": {"retry_mode": "adaptive"}})
    assert adaptive.meta.config.retries["mode"] == "adaptive"


def test_a_client_keeps_as_many_connections_as_the_read_ahead_has_in_flight():
    # 16 bucket reads at once, three settings each: botocore's default pool (10) would drop
    # and reopen connections.
    s3 = aws.client("s3", {"region": "eu-west-2"})
    assert s3.meta.config.max_pool_connections == aws.MAX_POOL_CONNECTIONS
    assert aws.MAX_POOL_CONNECTIONS >= 3 * 16


def test_role_arn_is_assumed():
    with moto.mock_aws():
        conn = {"region": "us-east-1", "role_arn": "arn:aws:iam::123456789012:role/deployer"}
        made = aws.client("iam", conn)
        creds = made._request_signer._credentials
        assert creds.access_key != "testing" and creds.token
        assert aws.uses_session_credentials(conn)
    assert not aws.uses_session_credentials({"region": "us-east-1"})


def test_the_clients_of_one_connection_share_one_session(monkeypatch):
    """A session decodes botocore's endpoint data when its first client is made: one per
    connection, whatever the service or retry mode, not one per client."""
    made = []
    original = aws._base_session

    def counted(settings):
        made.append(settings["region"])
        return original(settings)

    monkeypatch.setattr(aws, "_base_session", counted)
    conn = {"region": "ca-central-1", "keyid": "AKIASHARED", "key": "k"}
    iam, sesv2 = aws.client("iam", conn), aws.client("sesv2", conn)
    with aws.adaptive_retries():
        adaptive = aws.client("iam", conn)
    assert adaptive is not iam and adaptive.meta.config.retries["mode"] == "adaptive"
    assert made == ["ca-central-1"]
    assert iam._request_signer._credentials is sesv2._request_signer._credentials
    aws.client("iam", {**conn, "key": "other"})
    assert made == ["ca-central-1", "ca-central-1"]


def test_client_errors_name_the_operation_and_resource():
    s3 = boto3.client("s3", region_name="us-east-1")
    with Stubber(s3) as stub:
        stub.add_client_error("get_bucket_policy", "AccessDenied", "Access Denied", 403)
        with pytest.raises(
            CommandExecutionError,
            match=r"^GetBucketPolicy on my-bucket failed: AccessDenied: Access Denied$",
        ) as raised:
            aws.call(s3, "get_bucket_policy", "my-bucket", Bucket="my-bucket")
        assert type(raised.value) is errors.AccessDenied
        assert (raised.value.code, raised.value.operation, raised.value.resource) == (
            "AccessDenied",
            "GetBucketPolicy",
            "my-bucket",
        )
        assert raised.value.status == 403
        stub.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", "none", 404)
        assert (
            aws.call(s3, "get_bucket_policy", "b", none_if=errors.NotConfigured, Bucket="b") is None
        )


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("Throttling", 400, errors.Throttled),
        ("SlowDown", 503, errors.Throttled),
        ("InternalError", 500, errors.Temporary),
        ("NoSuchBucket", 404, errors.NotFound),
        ("OperationAborted", 409, errors.Conflict),
        ("InvalidArgument", 400, errors.AwsError),
    ],
)
def test_a_read_that_fails_otherwise_than_not_found_is_never_none(code, status, kind):
    """``none_if`` answers ``None`` for its class only: a throttled or failed read, or the
    bucket itself missing when its policy was asked, raises its own class."""
    s3 = boto3.client("s3", region_name="us-east-1")
    with Stubber(s3) as stub:
        stub.add_client_error("get_bucket_policy", code, "refused", status)
        with pytest.raises(kind) as raised:
            aws.call(s3, "get_bucket_policy", "b", none_if=errors.NotConfigured, Bucket="b")
    assert type(raised.value) is kind and raised.value.code == code
    # A temporary failure says so: it is no verdict on the bucket.
    note = " (temporary: run again later)" if issubclass(kind, errors.Temporary) else ""
    assert str(raised.value) == f"GetBucketPolicy on b failed: {code}: refused{note}"


@pytest.mark.parametrize(
    ("failure", "kind", "message"),
    [
        (
            botocore.exceptions.ReadTimeoutError(endpoint_url="https://iam.amazonaws.com/"),
            errors.Temporary,
            r"^ListUsers on account failed: Read timeout on endpoint URL",
        ),
        (
            botocore.exceptions.EndpointConnectionError(endpoint_url="https://iam.amazonaws.com/"),
            errors.Temporary,
            r"^ListUsers on account failed: Could not connect to the endpoint URL",
        ),
        (
            botocore.exceptions.NoCredentialsError(),
            errors.AwsError,
            r"^ListUsers on account failed: no AWS credentials found",
        ),
        (
            botocore.exceptions.ParamValidationError(report="Unknown parameter Color"),
            errors.AwsError,
            r"^ListUsers on account: invalid parameters: (?s:.*)Unknown parameter Color",
        ),
    ],
)
def test_failures_without_an_answer_are_typed_too(failure, kind, message):
    """A timeout or a lost connection is temporary: it says nothing about the resource. A
    call botocore never sent is no temporary failure."""
    with pytest.raises(kind, match=message) as raised, aws.aws_errors("ListUsers", "account"):
        raise failure
    assert type(raised.value) is kind
    assert (raised.value.operation, raised.value.status) == ("ListUsers", None)
    assert str(raised.value).endswith(" (temporary: run again later)") == (kind is errors.Temporary)


def test_no_credentials_is_a_clear_error():
    with (
        pytest.raises(CommandExecutionError, match="no AWS credentials found"),
        aws.aws_errors("ListUsers", "account"),
    ):
        raise botocore.exceptions.NoCredentialsError()


def test_first_writes_after_a_create_wait_for_it_to_be_visible():
    s3 = boto3.client("s3", region_name="us-east-1")
    with Stubber(s3) as stub:
        stub.add_client_error("put_bucket_encryption", "NoSuchBucket", "not yet", 404)
        stub.add_client_error("put_bucket_encryption", "NoSuchBucket", "not yet", 404)
        stub.add_response("put_bucket_encryption", {})
        params = {
            "Bucket": "b",
            "ServerSideEncryptionConfiguration": {
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        }
        assert aws.call_after_create(s3, "put_bucket_encryption", "b", delay=0.01, **params) == {}
        stub.assert_no_pending_responses()
        for _ in range(3):
            stub.add_client_error("put_bucket_encryption", "NoSuchBucket", "never", 404)
        with pytest.raises(CommandExecutionError, match="NoSuchBucket"):
            aws.call_after_create(
                s3, "put_bucket_encryption", "b", attempts=3, delay=0.01, **params
            )


def test_first_writes_after_a_create_wait_only_for_not_found():
    """Only "not found" can be a create not yet visible: a throttled or refused write is
    raised at once (botocore has already retried the throttling)."""
    iam = boto3.client("iam", region_name="us-east-1")
    params = {"UserName": "ops", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
    for code, kind in (("Throttling", errors.Throttled), ("LimitExceeded", errors.AwsError)):
        with Stubber(iam) as stub:
            stub.add_client_error("attach_user_policy", code, "no", 400)
            with pytest.raises(kind) as raised:
                aws.call_after_create(iam, "attach_user_policy", "ops", delay=0.01, **params)
            stub.assert_no_pending_responses()
        assert type(raised.value) is kind


def test_caller_account_learned_from_an_arn_saves_the_sts_call(monkeypatch):
    context = {}
    conn = {"region": "us-east-1"}
    aws.learn_caller_account(conn, None, context, "arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert context == {}, "an AWS managed policy says nothing about the caller's account"
    aws.learn_caller_account(conn, None, context, "arn:aws-cn:iam::111122223333:policy/backup")
    with monkeypatch.context() as patched:
        patched.setattr(aws, "client", lambda *args, **kwargs: pytest.fail("STS was asked"))
        assert aws.caller_identity(conn, None, context) == {
            "account": "111122223333",
            "partition": "aws-cn",
        }
    with moto.mock_aws():
        other = aws.caller_identity(
            {"region": "eu-west-1", "keyid": "AKIAX", "key": "y"}, None, context
        )
        assert other["account"] == "123456789012"


def test_clients_made_for_concurrent_reads_retry_adaptively(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    plain = aws.client("iam", {"region": "us-east-1"})
    with aws.adaptive_retries():
        adaptive = aws.client("iam", {"region": "us-east-1"})
        named = aws.client("iam", {"region": "us-east-1", "profile": {"retry_mode": "standard"}})
    assert adaptive is not plain
    assert adaptive.meta.config.retries["mode"] == "adaptive"
    assert plain.meta.config.retries["mode"] == "standard"
    assert named.meta.config.retries["mode"] == "standard"  # a profile's choice stands
