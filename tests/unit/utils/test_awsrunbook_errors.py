"""Which AWS error code is which class: the mapping the client's translator uses."""

import pytest
from awsrunbook import errors
from salt.exceptions import CommandExecutionError


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        # The codes this extension's modules read as "does not exist" or "not set".
        ("NoSuchEntity", 404, errors.NotFound),
        ("NoSuchBucket", 404, errors.NotFound),
        ("NoSuchKey", 404, errors.NotFound),
        ("404", 404, errors.NotFound),  # HeadBucket: no body, the status is the code
        ("NotFound", 404, errors.NotFound),  # SNS
        ("NotFoundException", 404, errors.NotFound),  # SES v2
        ("RuleSetDoesNotExist", 400, errors.NotFound),  # SES v1
        ("AWS.SimpleQueueService.NonExistentQueue", 400, errors.NotFound),
        ("QueueDoesNotExist", 400, errors.NotFound),
        ("DBInstanceNotFound", 404, errors.NotFound),
        ("DBInstanceNotFoundFault", 404, errors.NotFound),
        ("DBSubnetGroupNotFoundFault", 404, errors.NotFound),
        ("InvalidGroup.NotFound", 400, errors.NotFound),  # EC2
        ("NoSuchBucketPolicy", 404, errors.NotConfigured),
        ("NoSuchPublicAccessBlockConfiguration", 404, errors.NotConfigured),
        ("ServerSideEncryptionConfigurationNotFoundError", 404, errors.NotConfigured),
        ("NoSuchLifecycleConfiguration", 404, errors.NotConfigured),
        ("EntityAlreadyExists", 409, errors.AlreadyExists),
        ("AlreadyExistsException", 400, errors.AlreadyExists),
        ("DBInstanceAlreadyExists", 400, errors.AlreadyExists),
        ("BucketAlreadyOwnedByYou", 409, errors.AlreadyExists),
        ("ConcurrentModification", 409, errors.Conflict),
        ("DeleteConflict", 409, errors.Conflict),
        ("InvalidGroup.InUse", 400, errors.Conflict),
        ("CannotDeleteException", 400, errors.Conflict),
        ("AccessDenied", 403, errors.AccessDenied),
        ("AccessDeniedException", 400, errors.AccessDenied),
        ("403", 403, errors.AccessDenied),
        ("UnauthorizedOperation", 403, errors.AccessDenied),
        ("Throttling", 400, errors.Throttled),
        ("ThrottlingException", 400, errors.Throttled),
        ("TooManyRequestsException", 429, errors.Throttled),
        ("RequestLimitExceeded", 503, errors.Throttled),  # EC2
        ("SlowDown", 503, errors.Throttled),  # S3: a 503, still throttling
        ("ServiceUnavailable", 503, errors.Temporary),
        ("InternalFailure", 500, errors.Temporary),
        ("RequestTimeout", 400, errors.Temporary),
        # Whatever the code, a 5xx says nothing about the resource.
        ("NoSuchEntity", 503, errors.Temporary),
        ("EntityAlreadyExists", 500, errors.Temporary),
        ("SomethingNew", 502, errors.Temporary),
        ("SomethingNew", 429, errors.Throttled),
        # IAM's quota of two access keys is a refusal, not throttling.
        ("LimitExceeded", 409, errors.AwsError),
        ("ValidationError", 400, errors.AwsError),
        ("InvalidClientTokenId", 403, errors.AwsError),
        ("", None, errors.AwsError),
    ],
)
def test_each_code_has_its_class(code, status, kind):
    assert errors.kind_of(code, status) is kind


def test_throttling_is_temporary_and_never_a_not_found():
    for code in ("Throttling", "ThrottlingException", "TooManyRequestsException", "SlowDown"):
        kind = errors.kind_of(code, 400)
        assert issubclass(kind, errors.Temporary) and not issubclass(kind, errors.NotFound)


def test_the_mapping_names_only_these_classes():
    classes = {*errors.BY_CODE.values(), *(k for _, k in errors.BY_CODE_PREFIX)}
    classes |= {k for _, k in errors.BY_CODE_SUFFIX}
    assert all(issubclass(kind, errors.AwsError) for kind in classes)
    assert issubclass(errors.AwsError, CommandExecutionError)


def test_an_error_carries_what_the_call_was_and_keeps_it_when_told_again():
    error = errors.Throttled(
        "CreateUser on ops failed: Throttling: Rate exceeded",
        "Throttling",
        "CreateUser",
        "ops",
        400,
    )
    assert str(error) == "CreateUser on ops failed: Throttling: Rate exceeded"
    retold = error.with_message(f"{error}. IAM made no user")
    assert type(retold) is errors.Throttled and str(retold).endswith("IAM made no user")
    assert (retold.code, retold.operation, retold.resource, retold.status) == (
        "Throttling",
        "CreateUser",
        "ops",
        400,
    )
