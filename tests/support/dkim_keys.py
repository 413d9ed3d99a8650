"""DKIM keys and signatures for tests: an RSA key pair whose public half goes into a DNS
TXT record (the local BIND zone), and signing a message as a sending domain would."""

import base64

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SIGNED_HEADERS = [b"from", b"to", b"subject", b"date", b"message-id"]


class DkimKey:
    """One signing key of ``domain`` under ``selector``."""

    def __init__(self, domain, selector, bits=1024):
        self.domain = domain
        self.selector = selector
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=bits)

    @property
    def record_name(self):
        return f"{self.selector}._domainkey.{self.domain}"

    @property
    def txt_value(self):
        """The key record's text (``v=DKIM1; k=rsa; p=...``), unquoted."""
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"

    def zone_lines(self):
        """The record in zone-file form: the text cut into quoted strings of 200 bytes."""
        text = self.txt_value
        parts = " ".join(f'"{text[i : i + 200]}"' for i in range(0, len(text), 200))
        return f"{self.record_name}. IN TXT ( {parts} )\n"

    def sign(self, raw):
        """``raw`` (bytes) with this key's DKIM-Signature header prepended."""
        pem = self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        header = dkim.sign(
            raw,
            self.selector.encode(),
            self.domain.encode(),
            pem,
            include_headers=SIGNED_HEADERS,
        )
        return header + raw
