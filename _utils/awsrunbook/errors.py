"""Typed AWS errors, pure: what kind of failure an AWS call met (no boto3, no botocore).

The client's translator (``client.aws_errors``) raises one of these classes, all subclasses
of Salt's ``CommandExecutionError`` carrying the AWS error ``code``, the ``operation``, the
``resource`` and the HTTP ``status`` AWS answered with. Callers branch on the class
(``except errors.NotFound``), never on the message's text; the message stays what an
operator reads.

Which AWS error code is which class is data here (``BY_CODE``, ``BY_CODE_PREFIX``,
``BY_CODE_SUFFIX``), and ``kind_of`` reads it.
"""

from salt.exceptions import CommandExecutionError


class AwsError(CommandExecutionError):  # type: ignore[misc]  # Salt ships no type hints
    """An AWS call failed for a reason none of the subclasses names (a bad parameter, a
    quota reached, no credentials found)."""

    def __init__(
        self,
        message: str = "",
        code: str = "",
        operation: str = "",
        resource: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.operation = operation
        self.resource = resource
        # The HTTP status of AWS's answer: None when there was no answer (botocore refused
        # the call before sending it, or the connection failed).
        self.status = status

    def with_message(self, message: str) -> "AwsError":
        """The same error (class, code, operation, resource, status) told in ``message``:
        for a caller that adds what it knows."""
        return type(self)(message, self.code, self.operation, self.resource, self.status)


class NotFound(AwsError):
    """What the call names does not exist."""


class NotConfigured(NotFound):
    """The resource exists, but the setting the call reads is not set (an S3 bucket's
    policy, default encryption, lifecycle rules, public access block)."""


class AccessDenied(AwsError):
    """The credentials may not make the call (credentials AWS does not take at all are an
    ``AwsError``)."""


class Conflict(AwsError):
    """The call conflicts with the resource's state: it exists already, is in use, or
    another call is changing it."""


class AlreadyExists(Conflict):
    """A create met a resource of that name."""


class Temporary(AwsError):
    """AWS gave no answer about the resource now (a 5xx, a timeout, a lost connection): not a
    verdict on the resource, and what the call did is not known. Run again later."""


class Throttled(Temporary):
    """AWS refused the call because of the request rate, before doing anything."""


# Exact codes, across the services this extension calls. S3's HeadBucket has no error body:
# its code is the HTTP status.
BY_CODE: dict[str, type[AwsError]] = {
    **dict.fromkeys(
        (
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "RequestThrottled",
            "RequestThrottledException",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "EC2ThrottledException",
            "BandwidthLimitExceeded",
            "SlowDown",
            "PriorRequestNotComplete",
        ),
        Throttled,
    ),
    **dict.fromkeys(
        (
            "InternalError",
            "InternalFailure",
            "InternalServerError",
            "InternalServiceError",
            "ServiceFailure",
            "ServiceUnavailable",
            "ServiceUnavailableException",
            "Unavailable",
            "RequestTimeout",
            "RequestTimeoutException",
        ),
        Temporary,
    ),
    **dict.fromkeys(
        (
            "AccessDenied",
            "AccessDeniedException",
            "AuthorizationError",
            "UnauthorizedOperation",
            "403",
        ),
        AccessDenied,
    ),
    **dict.fromkeys(
        (
            "NoSuchBucketPolicy",
            "NoSuchPublicAccessBlockConfiguration",
            "NoSuchLifecycleConfiguration",
            "ServerSideEncryptionConfigurationNotFoundError",
            "NoSuchTagSet",
        ),
        NotConfigured,
    ),
    **dict.fromkeys(
        ("404", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"),
        NotFound,
    ),
    **dict.fromkeys(("BucketAlreadyExists", "BucketAlreadyOwnedByYou"), AlreadyExists),
    **dict.fromkeys(
        (
            "ConcurrentModification",
            "ConcurrentModificationException",
            "ConflictException",
            "DeleteConflict",
            "DependencyViolation",
            "OperationAborted",
            "ResourceInUse",
            "ResourceInUseException",
            "CannotDelete",
            "CannotDeleteException",
        ),
        Conflict,
    ),
}

# The rest by how the code is made: "NoSuchEntity", "NotFoundException",
# "DBInstanceNotFoundFault", "RuleSetDoesNotExist", "EntityAlreadyExists",
# "InvalidGroup.InUse".
BY_CODE_PREFIX: tuple[tuple[str, type[AwsError]], ...] = (("NoSuch", NotFound),)
BY_CODE_SUFFIX: tuple[tuple[str, type[AwsError]], ...] = (
    ("NotFound", NotFound),
    ("NotFoundException", NotFound),
    ("NotFoundFault", NotFound),
    ("DoesNotExist", NotFound),
    ("DoesNotExistException", NotFound),
    ("AlreadyExists", AlreadyExists),
    ("AlreadyExistsException", AlreadyExists),
    ("AlreadyExistsFault", AlreadyExists),
    ("InUse", Conflict),
    ("InUseException", Conflict),
)


def kind_of(code: str, status: int | None = None) -> type[AwsError]:
    """The class of an AWS error answered with ``code`` and HTTP ``status``. Throttling comes
    first (S3's SlowDown is a 503); any other 5xx is temporary whatever its code; a 429
    without a known code is throttling."""
    known = BY_CODE.get(code) or _by_pattern(code)
    if known is Throttled:
        return Throttled
    if status is not None and status >= 500:
        return Temporary
    if known is not None:
        return known
    return Throttled if status == 429 else AwsError


def _by_pattern(code: str) -> type[AwsError] | None:
    by_prefix = (kind for prefix, kind in BY_CODE_PREFIX if code.startswith(prefix))
    by_suffix = (kind for suffix, kind in BY_CODE_SUFFIX if code.endswith(suffix))
    return next(by_prefix, None) or next(by_suffix, None)
