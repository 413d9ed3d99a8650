"""Which of moto's gaps the installed moto has, found by trying each one, and which fills
``tests/support`` applied for them.

A fill module (``moto_ses_patches`` and its peers) names each gap it fills and gives a check
for it; ``fill`` runs the checks against moto as it is (before that gap's fill) and installs
a fill only where its check finds the gap, so a moto that closes a gap makes its fill a no-op
instead of a crash. A check is either ``lacks(cls, *names)`` (a missing call: moto's response
class has no handler for it, no AWS call needed) or a function ``check(probe) -> bool`` that
makes the calls through ``probe.client(service)`` and answers whether the gap is there
(``False``; or ``True`` or a sentence saying what it saw). A check that raises counts as the
gap being there: that is how a missing or broken call shows.

The probes run in-process under their own ``moto.mock_aws()``, in an account of their own
(``PROBE_ACCOUNT``, sent as moto's ``x-moto-account-id`` header) which is dropped from every
moto backend afterwards, so they leave nothing behind in the accounts tests use, also when a
test's own ``mock_aws`` is already active or a moto server of this process already serves.
While they run, the ``AWS_ENDPOINT_URL*``, profile and config-file variables are set aside
(an integration test's endpoint must not capture them) and restored after.

``python -m tests.support.moto_server --list-gaps`` prints the record (``report``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import boto3
import moto
from moto.core.base_backend import BackendDict
from moto.core.model_instances import model_data
from moto.s3.models import s3_backends

PROBE_ACCOUNT = "000000000424"
PROBE_REGION = "us-east-1"
_ACCOUNT_HEADER = "x-moto-account-id"
# Variables that would send the probes elsewhere or make boto3 read the developer's files.
_ENDPOINT_PREFIX = "AWS_ENDPOINT_URL"
_UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "MOTO_ACCOUNT_ID")
_SET = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
}


@dataclasses.dataclass
class Gap:
    """One gap as this process found it: ``found`` by its check (``how`` says what the check
    saw) and whether its fill was ``applied``."""

    name: str
    found: bool
    how: str
    applied: bool = False


class Probe:
    """What a check gets: boto3 clients (dummy credentials, ``PROBE_REGION``, the probe's own
    account) and that account's moto backends."""

    @staticmethod
    def client(service: str) -> Any:
        return _client(service)

    @staticmethod
    def backend(backends: BackendDict) -> Any:
        """The probe account's backend of ``backends`` (e.g. ``ses_backends``)."""
        return backends[PROBE_ACCOUNT][PROBE_REGION]


# A check answers False (moto is right), True or a sentence saying what it saw (the gap).
Check = Callable[[Probe], bool | str]


class lacks:  # lower case: it reads as a check, lacks(EmailResponse, "delete_receipt_rule")
    """A check that needs no AWS call: the gap is there when ``cls`` lacks any of ``names``
    (a call moto does not implement has no handler on its response class)."""

    needs_aws = False

    def __init__(self, cls: type, *names: str) -> None:
        self.cls = cls
        self.names = names

    def __call__(self, probe: Probe | None) -> bool:
        return any(not hasattr(self.cls, name) for name in self.names)

    def describe(self, found: bool) -> str:
        missing = [name for name in self.names if not hasattr(self.cls, name)]
        if found:
            return f"{self.cls.__name__} lacks {', '.join(missing)}"
        return f"{self.cls.__name__} has {', '.join(self.names)}"


_record: dict[str, Gap] = {}
_lock = threading.RLock()
probe_seconds = 0.0  # time spent in checks by this process, all modules together


def _to_probe_account(request: Any, **kwargs: Any) -> None:
    request.headers[_ACCOUNT_HEADER] = PROBE_ACCOUNT


# Made once per process (inside a probe's environment) and kept: making a client (botocore
# reads its endpoint and service models) costs more than the checks themselves.
@functools.cache
def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=PROBE_REGION
    )


@functools.cache
def _client(service: str) -> Any:
    client = _session().client(service)
    client.meta.events.register("before-sign", _to_probe_account)
    return client


@contextlib.contextmanager
def _probe_environment() -> Iterator[None]:
    saved = {
        name: value
        for name, value in os.environ.items()
        if name.startswith(_ENDPOINT_PREFIX) or name in _UNSET or name in _SET
    }
    for name in saved:
        del os.environ[name]
    os.environ.update(_SET)
    try:
        yield
    finally:
        for name in _SET:
            os.environ.pop(name, None)
        os.environ.update(saved)


def _forget_probe_account() -> None:
    """Drop what the checks made: the probe account of every backend and its S3 bucket names
    (global across accounts)."""
    for backends in list(BackendDict._instances):
        backends.pop(PROBE_ACCOUNT, None)
    _forget_probe_buckets()


def _empty_probe_account() -> None:
    """Empty the probe account between checks (cheaper than dropping it: moto works out an
    account's regions when it makes one)."""
    for backends in list(BackendDict._instances):
        account = dict.get(backends, PROBE_ACCOUNT)  # dict.get: makes no account
        if account is not None:
            account.reset()
    _forget_probe_buckets()


def _forget_probe_buckets() -> None:
    for bucket, (_, account) in list(s3_backends.bucket_accounts.items()):
        if account == PROBE_ACCOUNT:
            s3_backends.bucket_accounts.pop(bucket, None)


def _forget_tracked_models(before: Mapping[int, set[int]]) -> None:
    """Drop the model instances moto tracked for its dashboard while the checks ran."""
    for models in model_data.values():
        for model in models.values():
            kept = before.get(id(model), set())
            tracked = getattr(model, "instances_tracked", [])
            model.instances_tracked = [m for m in tracked if id(m) in kept]


@contextlib.contextmanager
def _probing() -> Iterator[Probe]:
    before = {
        id(model): {id(m) for m in getattr(model, "instances_tracked", [])}
        for models in model_data.values()
        for model in models.values()
    }
    with _probe_environment(), moto.mock_aws():
        try:
            yield Probe()
        finally:
            _forget_probe_account()
            _forget_tracked_models(before)


def _run(name: str, check: Check, probe: Probe | None) -> Gap:
    try:
        seen = check(probe)
    except Exception as error:  # the call is missing or broken: the gap is there
        return Gap(name, True, f"check raised {type(error).__name__}: {str(error)[:160]}")
    if hasattr(check, "describe"):
        return Gap(name, bool(seen), check.describe(bool(seen)))
    if isinstance(seen, str):
        return Gap(name, bool(seen), seen)
    return Gap(name, bool(seen), "the check saw the gap" if seen else "moto answers as AWS does")


def find(checks: Mapping[str, Check]) -> dict[str, bool]:
    """Whether each gap is there, running the checks not run yet in this process (together,
    under one probing ``mock_aws``; none at all when every new check is a ``lacks``)."""
    global probe_seconds
    with _lock:
        new = {name: check for name, check in checks.items() if name not in _record}
        started = time.perf_counter()
        aws = {name: c for name, c in new.items() if getattr(c, "needs_aws", True)}
        seen = {name: _run(name, c, None) for name, c in new.items() if name not in aws}
        if aws:
            with _probing() as probe:
                for name, check in aws.items():
                    _empty_probe_account()  # each check starts from an empty account
                    seen[name] = _run(name, check, probe)
        _record.update((name, seen[name]) for name in new)  # in the order given
        probe_seconds += time.perf_counter() - started
        return {name: _record[name].found for name in checks}


def fill(fills: Mapping[str, tuple[Check, Callable[[], None]]]) -> dict[str, bool]:
    """For each gap ``name: (check, install)``: ``install()`` when the check finds the gap,
    in the order given (a later fill may wrap an earlier one). Returns what was found."""
    found = find({name: check for name, (check, _) in fills.items()})
    with _lock:
        for name, (_, install) in fills.items():
            if found[name] and not _record[name].applied:
                install()
                _record[name].applied = True
    return found


def applied(name: str) -> bool:
    """Whether this process filled the gap ``name``."""
    gap = _record.get(name)
    return bool(gap and gap.applied)


def report() -> list[Gap]:
    """Every gap checked in this process, in the order checked."""
    with _lock:
        return [dataclasses.replace(gap) for gap in _record.values()]


def format_report(gaps: list[Gap]) -> str:
    lines = [
        f"{'filled' if gap.applied else 'gap' if gap.found else 'closed':6}  {gap.name}: {gap.how}"
        for gap in gaps
    ]
    return "\n".join(lines)
