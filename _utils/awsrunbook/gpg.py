"""Secrets encrypted at rest: the values at a writer state's secret paths go into the pillar
file as PGP-armored ciphertext, which Salt's gpg renderer (``salt/renderers/gpg.py``)
decrypts when it renders a file whose first line is ``#!yaml|gpg``.

Two parts. Pure (no I/O): the settings (the ``aws_runbook_gpg`` config key and a state's
``gpg_recipients``), what counts as ciphertext, the renderer line, and what ``gpg
--with-colons`` says of a recipient's key. Then the ``gpg`` program itself, run with
``--batch`` and ``--no-tty`` (never a passphrase prompt), secrets on its stdin only, never
on a command line.

The renderer replaces each ``-----BEGIN PGP MESSAGE----- ... -----END PGP MESSAGE-----``
in a value by its plaintext and strips trailing line breaks: a value that is exactly one
armored block decrypts to exactly the secret that was encrypted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any, TypedDict

from salt.exceptions import CommandExecutionError, SaltInvocationError

from awsrunbook import validate as valid

CONFIG_KEY = "aws_runbook_gpg"
STATE_ARG = "gpg_recipients"
RENDERER_LINE = "#!yaml|gpg"
GPG_TIMEOUT = 60  # seconds one gpg process may take (an agent starting on a slow disk)

_GPG_RENDERER_RE = re.compile(r"^#!\s*yaml\s*\|\s*gpg\s*$")
_PLAIN_YAML_RE = re.compile(r"^#!\s*yaml\s*$")
# What the renderer's GPG_CIPHERTEXT matches, as a whole value.
_ARMOR_RE = re.compile(
    r"\A\s*-----BEGIN PGP MESSAGE-----\r?\n.*?-----END PGP MESSAGE-----\s*\Z", re.DOTALL
)
_FINGERPRINT_RE = re.compile(r"^(?:[0-9A-F]{40}|[0-9A-F]{64})$")
# gpg --with-colons, field 2 (validity) of a key that must not be encrypted to. Trust in the
# web-of-trust sense does not count: we encrypt with --trust-model always.
_BAD_VALIDITY = {"r": "revoked", "e": "expired", "i": "invalid", "d": "disabled"}


class Encryption(TypedDict):
    """Encryption as a state call uses it (plain data: it travels in a plan step's arguments):
    the recipients' fingerprints, the keyring holding their public keys, the key paths whose
    values are encrypted (the state's declared secrets), and the names of the settings that
    gave the recipients and the keyring (for messages)."""

    recipients: list[str]
    gnupghome: str
    secrets: list[str]
    recipients_from: str
    gnupghome_from: str


class NotDecrypted(CommandExecutionError):
    """No secret key in the keyring decrypts a value (it is elsewhere: on the master)."""


# --- settings ------------------------------------------------------------------------------


def _fingerprints(value: Any, arg: str, allow_empty: bool) -> list[str]:
    if not isinstance(value, list) or (not value and not allow_empty):
        fail_what = "a list of key fingerprints" + ("" if allow_empty else " (at least one)")
        valid.fail(arg, f"must be {fail_what}", value)
    found = []
    for item in value:
        fingerprint = item.replace(" ", "").upper() if isinstance(item, str) else item
        if isinstance(fingerprint, str) and fingerprint.startswith("0X"):
            fingerprint = fingerprint[2:]
        if not isinstance(fingerprint, str) or not _FINGERPRINT_RE.match(fingerprint):
            valid.fail(
                arg,
                "each recipient must be a full key fingerprint (40 hexadecimal digits, as "
                "gpg --list-keys --with-colons prints it), not a user ID or short key ID",
                item,
            )
        found.append(fingerprint)
    return found


def settings(
    state_recipients: Any, config: Any, default_home: str, secrets: list[str]
) -> Encryption | None:
    """The encryption of a state call, or ``None`` when it is off: ``state_recipients`` (the
    state's ``gpg_recipients``: ``None`` defers to the config, ``[]`` turns encryption off)
    over ``config`` (the ``aws_runbook_gpg`` mapping, ``None``/empty when unset);
    ``default_home``: Salt's ``gpg_keydir``. Bad shapes fail naming the setting."""
    if config in (None, ""):
        config = {}
    if not isinstance(config, dict):
        valid.fail(CONFIG_KEY, "must be a mapping with recipients and gnupghome", config)
    valid.known_keys(config, CONFIG_KEY, ["gnupghome", "recipients"])
    if state_recipients is not None:
        recipients = _fingerprints(state_recipients, STATE_ARG, allow_empty=True)
        recipients_from = STATE_ARG
    elif config:
        recipients_from = f"{CONFIG_KEY}:recipients"
        recipients = _fingerprints(config.get("recipients"), recipients_from, allow_empty=False)
    else:
        recipients = []
    if not recipients:
        return None
    home, home_from = config.get("gnupghome"), f"{CONFIG_KEY}:gnupghome"
    if home is None:
        home, home_from = default_home, "gpg_keydir"
    if not isinstance(home, str) or not os.path.isabs(home):
        valid.fail(home_from, "must be the absolute path of a GnuPG home directory", home)
    return Encryption(
        recipients=recipients,
        gnupghome=home,
        secrets=sorted(secrets),
        recipients_from=recipients_from,
        gnupghome_from=home_from,
    )


# --- ciphertext and the renderer line -------------------------------------------------------


def is_ciphertext(value: Any) -> bool:
    """Whether ``value`` (a pillar value) is one PGP-armored message."""
    return isinstance(value, str) and bool(_ARMOR_RE.match(value))


def is_plaintext_secret(value: Any) -> bool:
    """Whether a value found at a secret path is a secret in the clear (text, not empty, not
    ciphertext)."""
    return isinstance(value, str) and value != "" and not is_ciphertext(value)


def renderer_line(text: str) -> str | None:
    """The renderer line (``#!...``) a pillar file starts with, or ``None``."""
    first = text.split("\n", 1)[0].rstrip("\r")
    return first if first.startswith("#!") else None


def is_gpg_renderer(line: str) -> bool:
    return bool(_GPG_RENDERER_RE.match(line))


def renderer_problem(path: str, text: str) -> str | None:
    """Why ciphertext cannot go into the file ``path`` (its ``text``): its first line names a
    renderer that would not decrypt it. ``None`` when it can (no renderer line, ``#!yaml``
    or ``#!yaml|gpg``)."""
    line = renderer_line(text)
    if line is None or _PLAIN_YAML_RE.match(line) or is_gpg_renderer(line):
        return None
    return (
        f"pillar file {path}: line 1 is {line!r}, another renderer than {RENDERER_LINE}, "
        "which Salt's gpg renderer needs to decrypt the secrets written there; make it "
        f"{RENDERER_LINE} or point pillar_file at a plain YAML file"
    )


def with_renderer_line(text: str) -> str:
    """``text`` starting with ``#!yaml|gpg``: added as the first line, or in place of a
    ``#!yaml`` line (the same renderer, now with gpg after it). Every other line stays."""
    line = renderer_line(text)
    if line is not None and is_gpg_renderer(line):
        return text
    eol = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
    if line is not None and _PLAIN_YAML_RE.match(line):
        return RENDERER_LINE + text[len(line) :]
    return RENDERER_LINE + eol + text


# --- what gpg says of a key -------------------------------------------------------------------


def _records(colons: str) -> list[list[str]]:
    return [line.split(":") for line in colons.splitlines() if line]


def key_problem(colons: str, fingerprint: str) -> str | None:
    """What keeps ``fingerprint`` from being encrypted to, from ``gpg --with-colons
    --fixed-list-mode --list-keys`` output (``colons``): not in the keyring, revoked,
    expired, disabled, or without a usable encryption (sub)key. ``None``: it can be used."""
    key: list[str] | None = None
    found = None
    for record in _records(colons):
        if record[0] == "pub":
            key = record
        elif record[0] == "fpr" and key is not None and record[9] == fingerprint:
            found = key
    if found is None:
        return "is not in the keyring (import the recipient's public key)"
    validity = found[1]
    if validity in _BAD_VALIDITY:
        return f"is {_BAD_VALIDITY[validity]}"
    capabilities = found[11] if len(found) > 11 else ""
    if "D" in capabilities:
        return "is disabled"
    if "E" not in capabilities:
        return "has no usable encryption key (no encryption subkey, or it expired or was revoked)"
    return None


# --- the gpg program -------------------------------------------------------------------------


def program() -> str | None:
    """The ``gpg`` executable on ``PATH``, or ``None``."""
    return shutil.which("gpg")


def _run(home: str, args: list[str], data: bytes = b"") -> subprocess.CompletedProcess:
    gpg = program()
    if gpg is None:
        raise CommandExecutionError("the gpg program is not installed (not on PATH)")
    command = [gpg, "--homedir", home, "--batch", "--no-tty", *args]
    try:
        return subprocess.run(command, input=data, capture_output=True, timeout=GPG_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CommandExecutionError(f"gpg could not run: {exc}") from None


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"


def list_keys(home: str, fingerprints: list[str]) -> str:
    """``gpg --with-colons`` listing of the public keys ``fingerprints`` (missing ones are
    simply absent from it)."""
    done = _run(home, ["--with-colons", "--fixed-list-mode", "--list-keys", *fingerprints])
    return done.stdout.decode("utf-8", "replace")


def encrypt(plaintext: str, recipients: list[str], home: str) -> str:
    """``plaintext`` encrypted to every recipient, ASCII-armored, without the final line
    break (a value that ends where the file does keeps the same text)."""
    args = ["--trust-model", "always", "--armor", "--encrypt"]
    for fingerprint in recipients:
        args += ["--recipient", fingerprint]
    done = _run(home, args, plaintext.encode("utf-8"))
    if done.returncode != 0 or not is_ciphertext(done.stdout.decode("ascii", "replace")):
        raise CommandExecutionError(f"gpg could not encrypt: {_last_line(done.stderr)}")
    return done.stdout.decode("ascii").rstrip("\r\n")


def decrypt(armored: str, home: str) -> str:
    """The plaintext of ``armored``, decrypted with a secret key of ``home`` (none asking for
    a passphrase: ``--pinentry-mode error``); as the renderer gives it, without trailing line
    breaks. Raises ``CommandExecutionError`` when no key there decrypts it."""
    done = _run(home, ["--pinentry-mode", "error", "--decrypt"], armored.encode("ascii"))
    if done.returncode != 0:
        raise NotDecrypted(f"no secret key in {home} decrypts it ({_last_line(done.stderr)})")
    return done.stdout.decode("utf-8").rstrip("\n")


def check(encryption: Encryption) -> None:
    """Fail, naming the setting, unless ``encryption`` works: the gpg program is there, the
    keyring directory exists, every recipient's key is in it and can encrypt, and a probe
    encrypts. States call it before any AWS call, so no secret is ever made that could not
    be written."""
    recipients_from, home = encryption["recipients_from"], encryption["gnupghome"]
    if program() is None:
        valid.fail(recipients_from, "encryption needs the gpg program, which is not on PATH")
    if not os.path.isdir(home):
        valid.fail(encryption["gnupghome_from"], "is not a directory (a GnuPG home)", home)
    colons = list_keys(home, encryption["recipients"])
    for fingerprint in encryption["recipients"]:
        problem = key_problem(colons, fingerprint)
        if problem:
            valid.fail(recipients_from, f"the key {fingerprint} in {home} {problem}")
    try:
        encrypt("probe", encryption["recipients"], home)
    except CommandExecutionError as exc:
        raise SaltInvocationError(f"{recipients_from}: {exc}") from None
