"""Connection plumbing shared by every execution module of this extension.

One place for: the connection arguments (``region``, ``profile``, ``keyid``, ``key``,
``role_arn``), the cached boto3 client per service/region/credentials with botocore's
retries configured, and turning botocore errors into typed ``CommandExecutionError``
subclasses (``awsrunbook.errors``).

This file is imported as a plain Python module (``import awsrunbook.client``): Salt puts the
synced ``_utils`` directory on ``sys.path`` while it loads modules, and ``pip install``
installs it as a top-level module.
"""

import contextlib
import hashlib
import logging
import os
import threading
import time

import boto3
import botocore.config
import botocore.exceptions
import botocore.session
from salt.exceptions import SaltInvocationError

from awsrunbook import engine, errors, regions
from awsrunbook import validate as valid

log = logging.getLogger(__name__)

# botocore logs whole response bodies at DEBUG (CreateAccessKey's includes the secret).
# Keep those loggers above DEBUG whatever level salt-call runs at.
for _name in ("botocore.parsers", "botocore.endpoint", "botocore.hooks", "botocore.auth"):
    logging.getLogger(_name).setLevel(logging.INFO)

CONNECTION_ARGS = ("region", "profile", "keyid", "key", "role_arn")
_RETRY_SETTINGS = ("retry_mode", "max_attempts")
# Services that exist only in the SES regions (regions.ses_regions): a client elsewhere is
# refused before its first call.
SES_SERVICES = ("ses", "sesv2")
PROFILE_KEYS = ("region", "keyid", "key", "role_arn", *_RETRY_SETTINGS)
DEFAULT_RETRIES = {"mode": "standard", "max_attempts": 10}

_CLIENTS = {}
_SESSIONS = {}
_CLIENTS_LOCK = threading.Lock()
_ASSUMED_ROLE_REFRESH_MARGIN = 300


def split_connection_args(kwargs):
    """Pop the connection arguments out of ``kwargs``; return them as a dict."""
    return {name: kwargs.pop(name) for name in CONNECTION_ARGS if name in kwargs}


def _resolve_profile(profile, config_option):
    """A profile is a dict, the name of a Salt config/pillar key holding one, or an AWS
    shared-config profile name."""
    if profile is None:
        return {}, None
    if isinstance(profile, dict):
        valid.known_keys(profile, "profile", (*PROFILE_KEYS, "profile"))
        return dict(profile), profile.get("profile")
    if not isinstance(profile, str):
        raise SaltInvocationError("profile: must be a mapping or a name")
    from_config = config_option(profile) if config_option else None
    if isinstance(from_config, dict):
        return _resolve_profile(from_config, None)
    return {}, profile


# What boto3's default region depends on besides the profile (the config file's contents
# through its modification time): a change to any of them is seen on the next call.
_REGION_SOURCES = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")
_DEFAULT_REGIONS = {}


def _default_region(aws_profile):
    """boto3's default region for ``aws_profile`` (environment, shared config), ``None`` when
    there is none. Remembered: a boto3 session costs tens of milliseconds of CPU to make, and
    every state and call asks."""
    config_file = os.path.expanduser(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config")
    try:
        config_mtime = os.stat(config_file).st_mtime_ns
    except OSError:
        config_mtime = None
    key = (aws_profile, config_file, config_mtime, *map(os.environ.get, _REGION_SOURCES))
    if key not in _DEFAULT_REGIONS:
        _DEFAULT_REGIONS[key] = boto3.session.Session(profile_name=aws_profile).region_name
    return _DEFAULT_REGIONS[key]


def resolve_connection(conn, config_option=None):
    """Merge explicit arguments over the profile; return the settings a client needs.

    Missing values fall through to boto3's own chain (environment, shared config,
    instance role), so ``AWS_ENDPOINT_URL``, ``AWS_REGION`` and friends are honoured.
    """
    from_profile, aws_profile = _resolve_profile(conn.get("profile"), config_option)
    settings = {**from_profile, **{k: v for k, v in conn.items() if v is not None}}
    settings.pop("profile", None)
    if aws_profile:
        settings["aws_profile"] = _known_aws_profile(aws_profile)
    _check_credentials(settings)
    if not settings.get("region"):
        region = _default_region(aws_profile)
        if not region:
            raise SaltInvocationError(
                "region: not given, and no default region in the environment or AWS config"
            )
        settings["region"] = region
    return settings


def _check_credentials(settings):
    """``keyid``/``key``/``role_arn``, when given, are non-empty strings, the first two
    together. The key is a secret: never shown."""
    for arg in ("keyid", "key", "role_arn"):
        value = settings.get(arg)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise SaltInvocationError(f"{arg}: must be a non-empty string (the value is not shown)")
    if bool(settings.get("keyid")) != bool(settings.get("key")):
        missing = "key" if settings.get("keyid") else "keyid"
        raise SaltInvocationError(f"{missing}: keyid and key must be given together")


# AWS shared-config profile names, remembered per state of the files that define them.
_AWS_PROFILES = {}


def _known_aws_profile(profile):
    """``profile`` when the AWS config or credentials file defines it; else raise naming the
    argument (botocore would raise ``ProfileNotFound`` at the first call)."""
    files = (
        os.path.expanduser(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"),
        os.path.expanduser(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"),
    )
    key = tuple(
        (path, os.stat(path).st_mtime_ns if os.path.exists(path) else None) for path in files
    )
    if key not in _AWS_PROFILES:
        _AWS_PROFILES[key] = frozenset(botocore.session.Session().available_profiles)
    if profile not in _AWS_PROFILES[key]:
        raise SaltInvocationError(
            f"profile: {profile!r} is neither a Salt config or pillar key holding connection "
            "settings nor a profile of the AWS config or credentials file"
        )
    return profile


def _cache_key(service, settings, retry=True):
    # The secret only enters the key as a digest, so the cache never holds it in clear.
    secret_digest = hashlib.sha256((settings.get("key") or "").encode()).hexdigest()
    return (
        service,
        retry,
        settings["region"],
        settings.get("aws_profile"),
        settings.get("keyid"),
        secret_digest,
        settings.get("role_arn"),
        settings.get("retry_mode"),
        settings.get("max_attempts"),
        os.environ.get("AWS_ENDPOINT_URL"),
    )


def _base_session(settings):
    # botocore's data (endpoints, service models) comes from one loader shared with the
    # region checks, which caches what it decoded: about 0.1 s of CPU per session otherwise.
    core = botocore.session.Session()
    core.register_component("data_loader", regions.endpoint_data().get_component("data_loader"))
    return boto3.session.Session(
        aws_access_key_id=settings.get("keyid"),
        aws_secret_access_key=settings.get("key"),
        region_name=settings["region"],
        profile_name=settings.get("aws_profile"),
        botocore_session=core,
    )


def _assume_role(session, settings):
    sts = session.client("sts", config=_client_config(settings))
    with aws_errors("AssumeRole", settings["role_arn"]):
        creds = sts.assume_role(RoleArn=settings["role_arn"], RoleSessionName="salt-aws-runbook")[
            "Credentials"
        ]
    assumed = boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=settings["region"],
    )
    return assumed, creds["Expiration"].timestamp()


def _client_config(settings, retry=True):
    max_attempts = int(settings.get("max_attempts") or DEFAULT_RETRIES["max_attempts"])
    return botocore.config.Config(
        retries={
            "mode": settings.get("retry_mode") or DEFAULT_RETRIES["mode"],
            # total_max_attempts counts the first request (botocore's max_attempts does not).
            "total_max_attempts": max_attempts if retry else 1,
        },
        max_pool_connections=MAX_POOL_CONNECTIONS,
        user_agent_extra="salt-aws-runbook",
    )


# Connections one client keeps open: the read-ahead has 16 S3 bucket reads in flight, each
# reading three settings at once; botocore's default of 10 made it discard and reopen TLS
# connections ("Connection pool is full").
MAX_POOL_CONNECTIONS = 64


def _fresh(expires):
    """Whether what was made with credentials expiring at ``expires`` (``None``: they do not)
    may still be used."""
    return expires is None or expires - time.time() > _ASSUMED_ROLE_REFRESH_MARGIN


def _session(settings):
    """``(boto3 session, expiry)`` for ``settings``, made once per process and shared by the
    clients of every service: each new session decodes botocore's endpoint data again (about
    0.1 s of CPU). Call with ``_CLIENTS_LOCK`` held (a session is not thread-safe)."""
    key = _cache_key(None, {k: v for k, v in settings.items() if k not in _RETRY_SETTINGS})
    cached = _SESSIONS.get(key)
    if cached and _fresh(cached[1]):
        return cached
    session, expires = _base_session(settings), None
    if settings.get("role_arn"):
        session, expires = _assume_role(session, settings)
    _SESSIONS[key] = (session, expires)
    return session, expires


def client(service, conn, config_option=None, retry=True):
    """Return a cached boto3 client for ``service`` and the connection arguments ``conn``.
    ``retry=False``: a client that never re-sends a request, for creates that are not
    idempotent (the caller reconciles with a read instead)."""
    settings = resolve_connection(conn, config_option)
    if service in SES_SERVICES:
        regions.ses_region(settings["region"])
    run = engine.current()
    if run is not None and run.adaptive and not settings.get("retry_mode"):
        settings["retry_mode"] = "adaptive"
    key = _cache_key(service, settings, retry)
    with _CLIENTS_LOCK:
        cached = _CLIENTS.get(key)
        if cached and _fresh(cached[1]):
            return cached[0]
        session, expires = _session(settings)
        made = session.client(service, config=_client_config(settings, retry))
        _CLIENTS[key] = (made, expires)
        return made


@contextlib.contextmanager
def adaptive_retries():
    """Clients made in the block (in this thread) use botocore's adaptive retry mode unless a
    profile names another: its client-side rate limiter, shared by every thread using the
    client, slows the requests down once AWS throttles them. For concurrent reads (the
    current run's ``adaptive``, see ``awsrunbook.engine``)."""
    with engine.changed(adaptive=True):
        yield


def connect(service, kwargs, salt_funcs, retry=True):
    """``(client, conn)`` for an execution function called with ``kwargs``: the connection
    arguments are taken out of ``kwargs`` (``salt_funcs`` is the module's ``__salt__``, whose
    ``config.option`` resolves a profile given by name)."""
    conn = split_connection_args(kwargs)
    return client(service, conn, salt_funcs.get("config.option"), retry), conn


def _caller_key(conn, config_option):
    return (
        "awsrunbook.caller_identity",
        *_cache_key("sts", resolve_connection(conn, config_option))[3:],
    )


def caller_identity(conn, config_option, context):
    """``{"account", "partition"}`` of the connection's credentials: at most one
    ``sts:GetCallerIdentity`` per credentials per run, shared by every module through
    ``context`` (the run's ``__context__``)."""
    key = _caller_key(conn, config_option)
    if key not in context:
        sts = client("sts", conn, config_option)
        resp = call(sts, "get_caller_identity", "the caller")
        context[key] = {"account": resp["Account"], "partition": resp["Arn"].split(":")[1]}
    return dict(context[key])


def learn_caller_account(conn, config_option, context, arn):
    """Remember the caller's account from ``arn``, an ARN read through these credentials
    that must belong to their account (an IAM user's customer managed policy): saves the
    STS call."""
    _, partition, _, _, account = arn.split(":", 5)[:5]
    if account.isdigit():
        context.setdefault(
            _caller_key(conn, config_option), {"account": account, "partition": partition}
        )


def conn_digest(conn):
    """A key for ``conn`` in a cache (the secret only as part of a digest)."""
    return hashlib.sha256(repr(sorted(conn.items())).encode()).hexdigest()


def region_of(conn, config_option=None):
    """The region the connection arguments resolve to."""
    return resolve_connection(conn, config_option)["region"]


def frozen_credentials(conn, config_option=None):
    """The credentials ``conn`` resolves to, before any ``role_arn`` is assumed (``None``
    when there are none). Only for functions that must derive something from the key."""
    credentials = _base_session(resolve_connection(conn, config_option)).get_credentials()
    return credentials.get_frozen_credentials() if credentials else None


def uses_session_credentials(conn, config_option=None):
    """True when the connection's credentials are temporary (a session token, or a role to
    assume)."""
    if resolve_connection(conn, config_option).get("role_arn"):
        return True
    credentials = frozen_credentials(conn, config_option)
    return bool(credentials and credentials.token)


# botocore's failures that say nothing about the resource: the request or its answer was
# lost on the way (a refused or dropped connection, a timeout).
_TRANSPORT_FAILURES = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)


@contextlib.contextmanager
def aws_errors(operation, resource):
    """Turn botocore errors raised inside the block into typed ``CommandExecutionError``
    subclasses (``errors.NotFound``, ``errors.Throttled``... see ``awsrunbook.errors``) naming
    the operation and the resource. The message is AWS's, which never carries request
    secrets."""
    where = {"operation": operation, "resource": resource}
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        raise _client_error(exc, operation, resource) from None
    except botocore.exceptions.NoCredentialsError:
        raise errors.AwsError(
            f"{operation} on {resource} failed: no AWS credentials found (give keyid/key, "
            "a profile, or set them in the environment)",
            **where,
        ) from None
    except botocore.exceptions.ParamValidationError as exc:
        raise errors.AwsError(
            f"{operation} on {resource}: invalid parameters: {exc}", **where
        ) from None
    except _TRANSPORT_FAILURES as exc:
        raise _typed(errors.Temporary, f"{operation} on {resource} failed: {exc}", where) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise errors.AwsError(f"{operation} on {resource} failed: {exc}", **where) from None


def _client_error(exc, operation, resource):
    """The typed error for AWS's answer ``exc`` (a ``ClientError``)."""
    err = exc.response.get("Error", {})
    code = err.get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    message = (
        f"{operation} on {resource} failed: {err.get('Code', 'Error')}: "
        f"{err.get('Message', '').strip() or 'no message'}"
    )
    where = {"code": code, "operation": operation, "resource": resource, "status": status}
    return _typed(errors.kind_of(code, status), message, where)


def _typed(kind, message, where):
    """A ``kind`` error; a temporary one says so, so that nobody takes it for a verdict on
    the resource."""
    if issubclass(kind, errors.Temporary):
        message += " (temporary: run again later)"
    return kind(message, **where)


def call(aws_client, operation, resource, none_if=(), **params):
    """Call ``operation`` (snake_case) on ``aws_client``; errors become typed
    ``CommandExecutionError`` subclasses (see ``aws_errors``).

    When the error is an instance of ``none_if`` (an error class or a tuple of them, e.g.
    ``errors.NotFound``) the call returns ``None`` instead: that is how readers say "this
    does not exist" without an exception. Throttling and the other temporary failures are
    no ``NotFound``: they are never read as an answer.
    """
    try:
        with aws_errors(_op_name(aws_client, operation), resource):
            answer = getattr(aws_client, operation)(**params)
    except none_if:
        answer = None
    answered()
    return answer


def answered():
    """Say that AWS answered a call (see ``on_answer``); ``call`` says it itself."""
    run = engine.current()
    if run is not None and run.on_answer is not None:
        run.on_answer()


@contextlib.contextmanager
def on_answer(callback):
    """In the block (in this thread), ``callback()`` runs after each ``call`` that AWS answered
    (a "missing" answer included): the credentials and the connection work. Kept as the
    current run's ``on_answer`` (see ``awsrunbook.engine``)."""
    with engine.changed(on_answer=callback):
        yield


def call_after_create(aws_client, operation, resource, attempts=6, delay=0.5, **params):
    """Like ``call``, for the first writes to a resource that was created moments ago: AWS can
    answer "not found" until the create has propagated, so retry those with backoff."""
    for attempt in range(attempts):
        try:
            with aws_errors(_op_name(aws_client, operation), resource):
                return getattr(aws_client, operation)(**params)
        except errors.NotFound:
            if attempt == attempts - 1:
                raise
        log.debug("%s on %s: not visible yet, retrying", operation, resource)
        time.sleep(delay * 2**attempt)
    return None


def _op_name(aws_client, operation):
    return aws_client.meta.method_to_api_mapping.get(operation, operation)
