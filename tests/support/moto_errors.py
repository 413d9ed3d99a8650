"""The errors our moto patches raise, in AWS's JSON error shape: one place for all of them."""

from moto.core.exceptions import JsonRESTError


class AwsError(JsonRESTError):
    """An AWS error with ``code`` (``NotFoundException``...) and HTTP ``status``."""

    def __init__(self, code, message, status=400):
        self.code = status
        super().__init__(code, message)


def not_found(message):
    return AwsError("NotFoundException", message, 404)


def already_exists(message):
    return AwsError("AlreadyExistsException", message)


def bad_request(message):
    return AwsError("BadRequestException", message)


def conflict(message):
    return AwsError("ConflictException", message, 409)
