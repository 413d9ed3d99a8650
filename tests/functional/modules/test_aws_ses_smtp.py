"""aws_ses_smtp.send_test_email against a local SMTP server (aiosmtpd on 127.0.0.1) that
offers STARTTLS with a self-signed certificate and checks the login."""

import datetime
import ipaddress
import socket
import ssl
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from salt.exceptions import CommandExecutionError

USERNAME = "AKIAEXAMPLESMTPUSER1"
PASSWORD = "BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2"


def self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class Recorder:
    def __init__(self):
        self.messages = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(tmp_path):
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    handler = Recorder()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == USERNAME.encode() and auth_data.password == PASSWORD.encode()
        handler.logins.append((auth_data.login.decode(), ok))
        return AuthResult(success=ok, handled=False)

    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    controller.start()
    yield controller, handler, cert_file
    controller.stop()


def send(modules, controller, cert_file, **extra):
    args = {
        "host": "127.0.0.1",
        "port": controller.port,
        "username": USERNAME,
        "password": PASSWORD,
        "ca_file": str(cert_file),
        **extra,
    }
    return modules.aws_ses_smtp.send_test_email("noreply@example.org", "ops@example.org", **args)


def test_sends_after_starttls_and_login(modules, smtp_server):
    controller, handler, cert_file = smtp_server
    result = send(modules, controller, cert_file)
    assert result["sent"] is True
    assert PASSWORD not in repr(result)
    assert handler.logins == [(USERNAME, True)]
    [envelope] = handler.messages
    assert envelope.mail_from == "noreply@example.org"
    assert envelope.rcpt_tos == ["ops@example.org"]
    assert b"SES SMTP test" in envelope.content


def test_wrong_password_is_a_clear_error_without_the_password(modules, smtp_server):
    controller, handler, cert_file = smtp_server
    wrong = "BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj"
    with pytest.raises(CommandExecutionError, match=r"SMTP login to 127\.0\.0\.1") as exc:
        send(modules, controller, cert_file, password=wrong)
    assert wrong not in str(exc.value)
    assert handler.logins and all(login == (USERNAME, False) for login in handler.logins)
    assert handler.messages == []


def test_untrusted_certificate_is_refused(modules, smtp_server):
    controller, handler, cert_file = smtp_server
    with pytest.raises(CommandExecutionError, match=r"cannot talk to 127\.0\.0\.1"):
        send(modules, controller, cert_file, ca_file=None)
    assert handler.logins == []
    # verify=false skips the check (an operator's explicit choice)
    assert send(modules, controller, cert_file, ca_file=None, verify=False)["sent"] is True


def test_credentials_come_from_the_pillar(loaders, smtp_server):
    controller, handler, cert_file = smtp_server
    smtp = {"host": "127.0.0.1", "port": controller.port, "username": USERNAME}
    with mock.patch.dict(
        loaders.modules.pack["__pillar__"], {"smtp": {**smtp, "password": PASSWORD}}
    ):
        result = loaders.modules.aws_ses_smtp.send_test_email(
            "noreply@example.org", "ops@example.org", ca_file=str(cert_file)
        )
    assert result["sent"] is True and result["username"] == USERNAME
    assert handler.logins == [(USERNAME, True)]
