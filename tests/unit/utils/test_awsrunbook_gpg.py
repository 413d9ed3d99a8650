"""Secrets encrypted at rest: the settings, ciphertext and renderer lines (pure), and the
gpg program against a real keyring made here."""

import pytest
import yaml
from awsrunbook import gpg as pgp
from salt.exceptions import CommandExecutionError, SaltInvocationError

from tests.support.gnupg import Keyring

FPR = "3BF3A476E2B1B0FFFF7232AA691FDF610BBE51D4"
ARMOR = "-----BEGIN PGP MESSAGE-----\n\nhF4DoVc616e71zsSAQdA\n=10Dw\n-----END PGP MESSAGE-----"


# --- settings -------------------------------------------------------------------------------


def test_off_without_recipients_or_with_an_empty_list():
    assert pgp.settings(None, None, "/etc/salt/gpgkeys", ["aws:secret_key"]) is None
    assert pgp.settings(None, "", "/etc/salt/gpgkeys", ["aws:secret_key"]) is None
    config = {"recipients": [FPR]}
    assert pgp.settings([], config, "/etc/salt/gpgkeys", ["aws:secret_key"]) is None


def test_config_recipients_and_gpg_keydir_by_default():
    found = pgp.settings(None, {"recipients": [FPR.lower()]}, "/k", ["b", "a"])
    assert found == {
        "recipients": [FPR],
        "gnupghome": "/k",
        "secrets": ["a", "b"],
        "recipients_from": "aws_runbook_gpg:recipients",
        "gnupghome_from": "gpg_keydir",
    }


def test_the_state_overrides_the_config_and_gnupghome_comes_from_the_config():
    other = "0x" + "A" * 40
    found = pgp.settings([other], {"recipients": [FPR], "gnupghome": "/g"}, "/k", [])
    assert found["recipients"] == ["A" * 40]
    assert found["recipients_from"] == "gpg_recipients"
    assert (found["gnupghome"], found["gnupghome_from"]) == ("/g", "aws_runbook_gpg:gnupghome")


@pytest.mark.parametrize(
    ("state", "config", "named"),
    [
        (None, {"recipients": []}, "aws_runbook_gpg:recipients"),
        (None, {"recipients": "x"}, "aws_runbook_gpg:recipients"),
        (None, {"recipients": ["alice@example.org"]}, "aws_runbook_gpg:recipients"),
        (None, {"recipients": [FPR[:16]]}, "aws_runbook_gpg:recipients"),
        (None, {"recipients": [FPR], "home": "/x"}, "aws_runbook_gpg"),
        (None, ["x"], "aws_runbook_gpg"),
        ("x", None, "gpg_recipients"),
        ([12], None, "gpg_recipients"),
        (None, {"recipients": [FPR], "gnupghome": "relative"}, "aws_runbook_gpg:gnupghome"),
    ],
)
def test_bad_settings_name_the_setting(state, config, named):
    with pytest.raises(SaltInvocationError, match=rf"^{named}: "):
        pgp.settings(state, config, "/k", [])


def test_a_relative_gpg_keydir_is_named():
    with pytest.raises(SaltInvocationError, match=r"^gpg_keydir: "):
        pgp.settings([FPR], None, "gpgkeys", [])


# --- ciphertext and the renderer line ----------------------------------------------------------


def test_ciphertext_is_one_armored_message():
    assert pgp.is_ciphertext(ARMOR)
    assert pgp.is_ciphertext(ARMOR + "\n")
    assert not pgp.is_ciphertext("prefix " + ARMOR)
    assert not pgp.is_ciphertext("wJalrXUtnFEMI/K7MDENG")
    assert not pgp.is_ciphertext(None)
    assert pgp.is_plaintext_secret("wJalrXUtnFEMI/K7MDENG")
    assert not pgp.is_plaintext_secret(ARMOR)
    assert not pgp.is_plaintext_secret("")
    assert not pgp.is_plaintext_secret(None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\n", "#!yaml|gpg\na: 1\n"),
        ("", "#!yaml|gpg\n"),
        ("#!yaml\na: 1\n", "#!yaml|gpg\na: 1\n"),
        ("#!yaml|gpg\na: 1\n", "#!yaml|gpg\na: 1\n"),
        ("#! yaml | gpg\na: 1\n", "#! yaml | gpg\na: 1\n"),
        ("a: 1\r\nb: 2\r\n", "#!yaml|gpg\r\na: 1\r\nb: 2\r\n"),
        ("# comment\na: 1\n", "#!yaml|gpg\n# comment\na: 1\n"),
    ],
)
def test_the_renderer_line(text, expected):
    assert pgp.with_renderer_line(text) == expected
    assert pgp.renderer_problem("/p.sls", text) is None


@pytest.mark.parametrize("line", ["#!jinja|yaml", "#!json", "#!yaml|jinja", "#!py"])
def test_another_renderer_is_named_with_the_file_and_line(line):
    problem = pgp.renderer_problem("/srv/pillar/private/web1.sls", f"{line}\na: 1\n")
    assert problem.startswith(f"pillar file /srv/pillar/private/web1.sls: line 1 is {line!r}")


# --- what gpg --with-colons says ----------------------------------------------------------------

LISTING = """\
tru::1:1796532753:0:3:1:5
pub:u:255:22:691FDF610BBE51D4:1796532720:::u:::scESC:::::ed25519:::0:
fpr:::::::::3BF3A476E2B1B0FFFF7232AA691FDF610BBE51D4:
sub:u:255:18:39C8CED2891FA846:1796532720::::::e:::::cv25519::
fpr:::::::::EAA7BD711E6E048D545B556839C8CED2891FA846:
pub:e:255:22:80AD4067A1E87BF6:1577836800:1577923200::u:::sc:::::ed25519:::0:
fpr:::::::::9D9F0499DF7F5BA3519309B080AD4067A1E87BF6:
pub:u:255:22:7EBE218EF9990319:1796532739:::u:::scSC:::::ed25519:::0:
fpr:::::::::E969EA0C685F903E5F60B9797EBE218EF9990319:
pub:r:255:22:A8AE9ACCE85ED9FB:1796532744:::-:::sc:::::ed25519:::0:
fpr:::::::::80B0ED7EB2003E16995C2C8DA8AE9ACCE85ED9FB:
pub:u:255:22:1111111111111111:1796532739:::u:::scESCD:::::ed25519:::0:
fpr:::::::::1111111111111111111111111111111111111111:
"""


@pytest.mark.parametrize(
    ("fingerprint", "problem"),
    [
        ("3BF3A476E2B1B0FFFF7232AA691FDF610BBE51D4", None),
        ("EAA7BD711E6E048D545B556839C8CED2891FA846", None),  # its encryption subkey
        ("9D9F0499DF7F5BA3519309B080AD4067A1E87BF6", "is expired"),
        ("80B0ED7EB2003E16995C2C8DA8AE9ACCE85ED9FB", "is revoked"),
        ("E969EA0C685F903E5F60B9797EBE218EF9990319", "has no usable encryption key"),
        ("1111111111111111111111111111111111111111", "is disabled"),
        ("2" * 40, "is not in the keyring"),
    ],
)
def test_key_problems(fingerprint, problem):
    found = pgp.key_problem(LISTING, fingerprint)
    assert found == problem or found.startswith(problem)


# --- the gpg program, with a real keyring ---------------------------------------------------------


@pytest.fixture
def keyring(tmp_path):
    ring = Keyring(tmp_path / "gnupg")
    yield ring
    ring.close()


def _encryption(keyring, recipients):
    return pgp.settings(recipients, None, str(keyring.home), ["aws:secret_key"])


def test_encrypt_then_decrypt_with_the_secret_key(keyring):
    fingerprint = keyring.generate("Master <master@example.org>")
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    armored = pgp.encrypt(secret, [fingerprint], str(keyring.home))
    assert pgp.is_ciphertext(armored) and not armored.endswith("\n")
    assert secret not in armored
    assert pgp.decrypt(armored, str(keyring.home)) == secret
    # What Salt's renderer gets from the file: the block as YAML reads it back.
    document = yaml.safe_load("k: |-\n" + "".join(f"  {line}\n" for line in armored.split("\n")))
    assert keyring.decrypt(document["k"]) == secret
    pgp.check(_encryption(keyring, [fingerprint]))


def test_decrypting_without_the_secret_key_says_so(keyring, tmp_path):
    fingerprint = keyring.generate("Master <master@example.org>")
    public_only = Keyring(tmp_path / "public")
    try:
        keyring.export_public(fingerprint, public_only)
        armored = pgp.encrypt("s3cret-value", [fingerprint], str(public_only.home))
        with pytest.raises(pgp.NotDecrypted, match=r"no secret key in .*public decrypts it"):
            pgp.decrypt(armored, str(public_only.home))
        assert keyring.decrypt(armored) == "s3cret-value"
    finally:
        public_only.close()


def test_every_bad_recipient_fails_the_check_naming_the_setting(keyring, tmp_path):
    expired = keyring.generate("Old <old@example.org>", expire="1d", when="20200101T000000")
    revoked = keyring.generate("Gone <gone@example.org>")
    keyring.revoke(revoked)
    sign_only = keyring.generate("Sign <sign@example.org>", "ed25519", "sign")
    cases = {
        expired: "is expired",
        revoked: "is revoked",
        sign_only: "has no usable encryption key",
        "5" * 40: "is not in the keyring",
    }
    for fingerprint, problem in cases.items():
        with pytest.raises(SaltInvocationError, match=rf"^gpg_recipients: the key .*{problem}"):
            pgp.check(_encryption(keyring, [fingerprint]))
    missing = pgp.settings(None, {"recipients": [expired]}, str(tmp_path / "nowhere"), [])
    with pytest.raises(SaltInvocationError, match=r"^gpg_keydir: is not a directory"):
        pgp.check(missing)


def test_no_gpg_program_fails_the_check_naming_the_setting(keyring, monkeypatch):
    fingerprint = keyring.generate("Master <master@example.org>")
    found = _encryption(keyring, [fingerprint])
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SaltInvocationError, match=r"^gpg_recipients: encryption needs the gpg"):
        pgp.check(found)
    with pytest.raises(CommandExecutionError, match="gpg program is not installed"):
        pgp.encrypt("x", [fingerprint], str(keyring.home))
