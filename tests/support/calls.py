"""Count the AWS API calls botocore makes in this process (for the in-process tiers)."""

import contextlib

import botocore.client

# Operations that only read. Everything else counts as a write.
READ_PREFIXES = ("Get", "List", "Describe", "Head")


def is_read(operation):
    return operation.startswith(READ_PREFIXES)


@contextlib.contextmanager
def recorded_calls():
    """Yield a list that fills with ``(service, operation)`` for every API call made."""
    calls = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        calls.append((self.meta.service_model.service_name, operation_name))
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = recording
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original


def writes(calls):
    return [call for call in calls if not is_read(call[1])]


def age_access_keys(user, days):
    """Make every access key of ``user`` in moto's in-process IAM ``days`` days older, as
    time would: for rotation, without touching the clock the state reads."""
    import datetime

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    for key in iam_backends[DEFAULT_ACCOUNT_ID]["aws"].users[user].access_keys:
        key.create_date -= datetime.timedelta(days=days)


@contextlib.contextmanager
def recorded_network_calls():
    """Yield a list that fills with every AWS API call botocore makes in this process
    (``("aws", service, operation)``) and every connection or datagram a socket sends
    (``("socket", method, address)``: DNS, Cloudflare's API, SMTP), for tests that must see
    no call at all."""
    import socket

    calls = []
    originals = {name: getattr(socket.socket, name) for name in ("connect", "connect_ex", "sendto")}

    def recording(name):
        original = originals[name]

        def record(self, *args):
            calls.append(("socket", name, args[-1]))
            return original(self, *args)

        return record

    with recorded_calls() as aws_calls:
        for name in originals:
            setattr(socket.socket, name, recording(name))
        try:
            yield calls
        finally:
            for name, original in originals.items():
                setattr(socket.socket, name, original)
            calls[:0] = [("aws", *call) for call in aws_calls]
