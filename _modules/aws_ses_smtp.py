"""Amazon SES's SMTP interface: SMTP credentials into a pillar file, and a test message
through it.

CLI examples::

    salt-call aws_ses_smtp.send_test_email noreply@example.org me@example.org
    salt-call aws_ses_smtp.smtp_credentials_into_pillar /srv/pillar/private/web1.sls \\
        us-east-1 profile=ses-smtp-web1
"""

import email.message
import email.utils
import logging
import smtplib
import ssl
from typing import TYPE_CHECKING

import salt.utils.data
from awsrunbook import client as aws
from awsrunbook import regions, ses
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "aws_ses_smtp"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __pillar__, __salt__


def __virtual__():
    return __virtualname__


def smtp_credentials_into_pillar(pillar_file, smtp_region, pillar_key="smtp", **kwargs):
    """Write SMTP credentials derived from the connection's own long-term access key (an
    IAM user's ``keyid``/``key`` or profile) into ``pillar_file`` under ``pillar_key``
    (``host``, ``port``, ``username``, ``password``), for an IAM user that already exists.
    ``ses_smtp_user.present`` is the usual way; this is for keys made elsewhere.

    Refused for temporary credentials (a session token, or ``role_arn``): SES's SMTP
    interface cannot use them, so the password would never work. The password is never
    returned or logged.

    CLI example::

        salt-call aws_ses_smtp.smtp_credentials_into_pillar /srv/pillar/private/web1.sls \\
            us-east-1 profile=ses-smtp-web1
    """
    conn = aws.split_connection_args(kwargs)
    config_option = __salt__.get("config.option")
    regions.region(smtp_region, "smtp_region")
    if aws.uses_session_credentials(conn, config_option):
        raise SaltInvocationError(
            "the connection uses temporary (session) credentials; an SMTP password derived "
            "from them would not work. Use an IAM user's long-term access key, or "
            "ses_smtp_user.present to make one."
        )
    frozen = aws.frozen_credentials(conn, config_option)
    if frozen is None:
        raise CommandExecutionError("no AWS credentials found for the connection")
    values = {
        f"{pillar_key}:host": ses.smtp_host(smtp_region),
        f"{pillar_key}:port": ses.SMTP_PORT,
        f"{pillar_key}:username": frozen.access_key,
        f"{pillar_key}:password": ses.smtp_password(frozen.secret_key, smtp_region),
    }
    changed = __salt__["pillar_file.set_values"](pillar_file, values)["changed"]
    log.info("Wrote SMTP credentials for %s to %s", frozen.access_key, pillar_file)
    return {"pillar_file": pillar_file, "username": frozen.access_key, "changed": changed}


def _smtp_settings(given, pillar_key):
    """``(host, port, username, password)``: each given, or read from the pillar at
    ``pillar_key``; strings (the port a number), checked before any connection. The password
    is never shown, wherever it came from."""
    settings = (
        salt.utils.data.traverse_dict_and_list(dict(__pillar__), pillar_key, {}, ":")
        if pillar_key
        else {}
    )
    if not isinstance(settings, dict):
        raise SaltInvocationError(
            f"pillar_key: the pillar value at {pillar_key} must be a mapping of host, port, "
            f"username and password, not a {type(settings).__name__} (the value is not shown)"
        )
    found = {arg: given[arg] or settings.get(arg) for arg in ("host", "username", "password")}
    for arg, value in found.items():
        if not value:
            raise SaltInvocationError(
                f"{arg}: not given and not in the pillar at {pillar_key}:{arg}"
            )
        if not isinstance(value, str):
            raise SaltInvocationError(
                f"{arg}: must be a string, not a {type(value).__name__} (the value is not shown)"
            )
    port = given["port"] or settings.get("port") or ses.SMTP_PORT
    if isinstance(port, bool) or not str(port).isdigit() or not 0 < int(port) < 65536:
        raise SaltInvocationError(f"port: must be a port number (got {port!r})")
    return found["host"], int(port), found["username"], found["password"]


def send_test_email(  # noqa: PLR0913 - a CLI function: each option is a key=value
    sender,
    recipient,
    host=None,
    port=None,
    username=None,
    password=None,
    pillar_key="smtp",
    subject="SES SMTP test",
    body="This message was sent through the SES SMTP interface to check the credentials.",
    verify=True,
    ca_file=None,
    timeout=30,
):
    """Send a test message through SES's SMTP interface (STARTTLS, port 587 by default) and
    return what the server said. Credentials not given come from the pillar under
    ``pillar_key`` (``smtp:host``, ``smtp:port``, ``smtp:username``, ``smtp:password``, the
    layout ``ses_smtp_user`` writes), so the password need not be typed on a command line.

    verify
        Check the server's TLS certificate (default true). ``ca_file`` trusts a CA bundle
        besides the system's (a local test server's own certificate, for instance).

    The password never appears in the result or in errors.

    CLI example::

        salt-call aws_ses_smtp.send_test_email noreply@example.org me@example.org
        salt-call aws_ses_smtp.send_test_email noreply@example.org me@example.org \\
            pillar_key=smtp:eu-west-1
    """
    host, port, username, password = _smtp_settings(
        {"host": host, "port": port, "username": username, "password": password}, pillar_key
    )
    message = email.message.EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = email.utils.make_msgid()
    message.set_content(body)

    context = ssl.create_default_context(cafile=ca_file)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    where = f"{host}:{port}"
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            smtp.starttls(context=context)
            smtp.ehlo()
            smtp.login(username, password)
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise CommandExecutionError(
            f"SMTP login to {where} as {username} failed: {exc.smtp_code} "
            f"{exc.smtp_error.decode('utf-8', 'replace')}"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise CommandExecutionError(f"{where} does not offer STARTTLS") from None
    except smtplib.SMTPException as exc:
        raise CommandExecutionError(
            f"sending through {where} failed: {type(exc).__name__}: {_safe(exc, password)}"
        ) from None
    except OSError as exc:  # includes timeouts and TLS errors
        raise CommandExecutionError(f"cannot talk to {where}: {_safe(exc, password)}") from None
    if refused:
        raise CommandExecutionError(f"{where} refused recipient(s): {sorted(refused)}")
    log.info("Sent a test message from %s to %s through %s", sender, recipient, where)
    return {"sent": True, "host": host, "port": port, "username": username, "to": recipient}


def _safe(exc, password):
    return str(exc).replace(password, "********") if password else str(exc)
