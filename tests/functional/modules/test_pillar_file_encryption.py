"""pillar_file with encryption on, through Salt's loader and a real GnuPG keyring: ciphertext
at the secret paths only, ``#!yaml|gpg`` first, only the keys' lines changed, plaintext
encrypted in place, and decryption only where the secret key is."""

import stat

import pytest
import yaml
from awsrunbook import gpg as pgp
from salt.exceptions import CommandExecutionError, SaltInvocationError

from tests.support.gnupg import Keyring

ORIGINAL = """\
# web1's private pillar (a comment to keep)
web:
  domain: example.org   # trailing comment
aws:
  access_key: AKIAOLD
  secret_key: oldSecret/0000000000000000000000000001  # the secret
  region: us-east-1
"""
SECRET = "NEWbackupSECRET/key+0000000000000000000002"


@pytest.fixture(scope="module")
def keyring(tmp_path_factory):
    ring = Keyring(tmp_path_factory.mktemp("gnupg") / "home")
    ring.fingerprint_in_use = ring.generate("Salt master <salt@example.org>")
    yield ring
    ring.close()


@pytest.fixture(scope="module")
def minion_opts(minion_opts, keyring):
    """The config a minion that encrypts has: its recipients, and gpg_keydir (which also
    holds the secret key here, so that reads can decrypt)."""
    return {
        **minion_opts,
        "gpg_keydir": str(keyring.home),
        "aws_runbook_gpg": {"recipients": [keyring.fingerprint_in_use]},
    }


@pytest.fixture
def pillar_file(loaders):
    return loaders.modules.pillar_file


@pytest.fixture
def path(tmp_path):
    found = tmp_path / "private" / "web1.sls"
    found.parent.mkdir()
    found.write_text(ORIGINAL)
    return found


def _encryption(pillar_file, path, secrets=("aws:secret_key",)):
    return pillar_file.encryption_for(str(path), list(secrets))


def test_settings_come_from_the_config_and_are_checked(pillar_file, path, keyring):
    found = _encryption(pillar_file, path)
    assert found["recipients"] == [keyring.fingerprint_in_use]
    assert found["gnupghome"] == str(keyring.home)
    assert found["secrets"] == ["aws:secret_key"]
    assert pillar_file.encryption_for(str(path), ["aws:secret_key"], []) is None
    with pytest.raises(SaltInvocationError, match=r"^gpg_recipients: the key 5{40} .*not in"):
        pillar_file.encryption_for(str(path), ["aws:secret_key"], ["5" * 40])


def test_secrets_are_written_as_ciphertext_and_the_rest_in_the_clear(pillar_file, path, keyring):
    encryption = _encryption(pillar_file, path)
    values = {"aws:secret_key": SECRET, "aws:access_key": "AKIANEW", "aws:region": "eu-west-2"}
    result = pillar_file.set_values(str(path), values, encryption=encryption)
    assert sorted(result["changed"]) == sorted(values)
    text = path.read_text()
    assert SECRET not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = text.splitlines()
    assert lines[:4] == ["#!yaml|gpg", *ORIGINAL.splitlines()[:3]]
    assert "  access_key: AKIANEW" in lines
    assert "  secret_key: |-  # the secret" in lines
    data = yaml.safe_load(text)
    assert pgp.is_ciphertext(data["aws"]["secret_key"])
    assert keyring.decrypt(data["aws"]["secret_key"]) == SECRET
    assert data["aws"]["region"] == "eu-west-2"
    # Read back: masked (present), the ciphertext unmasked, the secret when decrypting.
    key = "aws:secret_key"
    assert pillar_file.read(str(path), [key]) == {key: True}
    assert pillar_file.read(str(path), [key], unmask=True)[key] == data["aws"]["secret_key"]
    assert pillar_file.read(str(path), [key], unmask=True, decrypt=True)[key] == SECRET
    assert pillar_file.plaintext_secrets(str(path), [key, "aws:access_key"]) == ["aws:access_key"]


def test_a_new_ciphertext_changes_only_its_lines(pillar_file, path):
    encryption = _encryption(pillar_file, path)
    pillar_file.set_values(str(path), {"aws:secret_key": SECRET}, encryption=encryption)
    before = path.read_text()
    pillar_file.set_values(str(path), {"aws:secret_key": SECRET + "2"}, encryption=encryption)
    after = path.read_text()
    assert before != after
    keep = [line for line in before.splitlines() if not line.startswith("    ")]
    assert keep == [line for line in after.splitlines() if not line.startswith("    ")]


def test_ciphertext_moves_as_it_is(pillar_file, path):
    encryption = _encryption(pillar_file, path)
    pillar_file.set_values(str(path), {"aws:secret_key": SECRET}, encryption=encryption)
    armored = pillar_file.read(str(path), ["aws:secret_key"], unmask=True)["aws:secret_key"]
    pillar_file.set_values(str(path), {"aws:moved_secret": armored}, encryption=encryption)
    moved = yaml.safe_load(path.read_text())["aws"]["moved_secret"]
    assert moved == armored  # not encrypted twice, and without encryption a block too
    pillar_file.set_values(str(path), {"aws:copy_secret": armored})
    assert "  copy_secret: |-" in path.read_text().splitlines()


def test_plaintext_is_encrypted_in_place(pillar_file, path, keyring):
    encryption = _encryption(pillar_file, path, ["aws:secret_key", "aws:other_secret"])
    assert pillar_file.plaintext_secrets(str(path), encryption["secrets"]) == ["aws:secret_key"]
    result = pillar_file.encrypt_in_place(str(path), encryption["secrets"], encryption)
    assert result == {"path": str(path), "encrypted": ["aws:secret_key"]}
    data = yaml.safe_load(path.read_text())
    assert keyring.decrypt(data["aws"]["secret_key"]) == "oldSecret/0000000000000000000000000001"
    assert "other_secret" not in data["aws"]
    text = path.read_text()
    assert text.startswith("#!yaml|gpg\n" + ORIGINAL.split("  secret_key:")[0])
    assert text.endswith("-----END PGP MESSAGE-----\n  region: us-east-1\n")
    # Encrypted already: nothing to do, the file stays byte for byte.
    assert pillar_file.plaintext_secrets(str(path), encryption["secrets"]) == []
    assert (
        pillar_file.encrypt_in_place(str(path), encryption["secrets"], encryption)["encrypted"]
        == []
    )
    assert path.read_text() == text


def test_the_renderer_line(pillar_file, path):
    # A #!yaml|gpg file is edited (it was refused before), with or without encryption.
    path.write_text("#!yaml|gpg\n" + ORIGINAL)
    pillar_file.set_values(str(path), {"aws:region": "eu-west-1"})
    assert path.read_text().startswith("#!yaml|gpg\n# web1")
    # #!yaml becomes #!yaml|gpg when encrypted values go in.
    path.write_text("#!yaml\n" + ORIGINAL)
    encryption = _encryption(pillar_file, path)
    pillar_file.set_values(str(path), {"aws:secret_key": SECRET}, encryption=encryption)
    assert path.read_text().startswith("#!yaml|gpg\n# web1")
    # Another renderer: refused by name, the file and its line, before anything is written.
    path.write_text("#!jinja|yaml\n" + ORIGINAL)
    with pytest.raises(CommandExecutionError, match=r"web1.sls: line 1 is '#!jinja\|yaml'"):
        _encryption(pillar_file, path)


def test_decrypting_without_the_secret_key_names_the_key(
    pillar_file, loaders, path, tmp_path, keyring
):
    encryption = _encryption(pillar_file, path)
    pillar_file.set_values(str(path), {"aws:secret_key": SECRET}, encryption=encryption)
    public = Keyring(tmp_path / "public")
    try:
        keyring.export_public(keyring.fingerprint_in_use, public)
        loaders.opts["gpg_keydir"] = str(public.home)
        with pytest.raises(pgp.NotDecrypted, match=r"^aws:secret_key in pillar file .* is enc"):
            pillar_file.read(str(path), ["aws:secret_key"], unmask=True, decrypt=True)
    finally:
        loaders.opts["gpg_keydir"] = str(keyring.home)
        public.close()
