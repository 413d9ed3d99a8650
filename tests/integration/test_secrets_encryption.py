"""Secrets encrypted at rest (issue 23): real ``salt-call --local`` runs of
``iam_backup_user.present``, ``ses_smtp_user.present`` and ``rds_postgres.present`` against
moto's server, with a real GnuPG keyring made here. The state runs encrypt to a keyring that
holds only the public key (the converged run has no secret key anywhere); ``pillar.get``
renders the files with Salt's gpg renderer and the secret key in ``gpg_keydir``."""

import difflib
import inspect
import json
import os
import pathlib
import stat
import subprocess

import pytest
import salt.modules.pillar
import yaml
from awsrunbook import ses
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends

from tests.integration.conftest import BIN
from tests.support import secrets
from tests.support.gnupg import Keyring

# Salt 3008 masks pillar values in pillar.items' output unless unmask=True; 3007 does not
# mask, and refuses the argument (3006 takes any keyword).
UNMASK = (
    ["unmask=True"] if "unmask" in inspect.signature(salt.modules.pillar.items).parameters else []
)

pytestmark = pytest.mark.integration

# The states of the SLS file a test applies, in order; the group comes first (Salt keeps the
# file's order), so the database finds it without a requisite.
STATES = {
    "postgresql-anywhere": """\
postgresql-anywhere:
  ec2_security_group.present:
    - description: Allows PostgreSQL connections from anywhere
    - ingress:
        - {{protocol: tcp, port: 5432, cidr: 0.0.0.0/0}}
    - region: us-east-1
""",
    "web1-backup": """\
web1-backup:
  iam_backup_user.present:
    - bucket: ocp-web1-backup
    - pillar_file: {private}/web1.sls
    - region: eu-west-2
""",
    "web1-smtp": """\
web1-smtp:
  ses_smtp_user.present:
    - regions: [us-east-1]
    - pillar_file: {private}/web1.sls
    - region: us-east-1
""",
    "analytics": """\
analytics:
  rds_postgres.present:
    - pillar_file: {private}/analytics.sls
    - engine_version: latest
    - wait: 60
    - pillar_keys: {{url: postgres:url}}
    - region: us-east-1
""",
}
SECRET_STATES = ("web1-backup", "web1-smtp", "analytics")

WEB1 = "# web1's private pillar: this comment stays\nweb:\n  domain: example.org  # so does this\n"
# The secret paths each state declares, and the plaintext beside them.
SECRET = {"web1": [("aws", "secret_key"), ("smtp", "password")], "analytics": []}
SECRET["analytics"] = [("postgres", "password"), ("postgres", "url")]
PLAIN = {
    "web1": [("aws", "access_key"), ("aws", "region"), ("smtp", "username"), ("smtp", "host")],
    "analytics": [("postgres", "host"), ("postgres", "port"), ("postgres", "username")],
}


class Encrypted:
    """The salt-call of a test with encryption configured: a keyring with the master's key
    pair (``master``) and one with its public key only (``public``)."""

    def __init__(self, salt_call, tmp_path):
        self.salt_call = salt_call
        self.master = Keyring(tmp_path / "gnupg-master")
        self.public = Keyring(tmp_path / "gnupg-public")
        self.fingerprint = self.master.generate("Salt master <salt@example.org>")
        self.master.export_public(self.fingerprint, self.public)
        self.private = salt_call.pillar_root / "private"
        self.private.mkdir()
        (self.private / "web1.sls").write_text(WEB1)
        self.states = tmp_path / "states"
        self.states.mkdir()
        self.write_states(*STATES)
        self.minion = yaml.safe_load((salt_call.conf / "minion").read_text())
        self.minion["file_roots"]["base"].insert(0, str(self.states))
        self.configure(encrypt=False, keydir=self.public)
        # Pillar rendered as a server gets it: the private files, with the secret key.
        render_top = tmp_path / "render-top"
        render_top.mkdir()
        (render_top / "top.sls").write_text(
            "base:\n  '*':\n    - private.web1\n    - private.analytics\n"
        )
        render = dict(self.minion, gpg_keydir=str(self.master.home), gpg_decrypt_must_succeed=True)
        render["pillar_roots"] = {"base": [str(render_top), str(salt_call.pillar_root)]}
        # Its answer holds the secrets, in its log and job cache: kept apart from the runs'.
        self.render_files = tmp_path / "render"
        render["log_file"] = str(self.render_files / "render.log")
        render["cachedir"] = str(self.render_files / "cache")
        self.render_conf = tmp_path / "conf-render"
        self.render_conf.mkdir()
        (self.render_conf / "minion").write_text(yaml.safe_dump(render))

    def write_states(self, *state_ids, extra=""):
        """``secrets.sls`` with the states ``state_ids`` (``extra``: lines added to the last)."""
        text = "\n".join(STATES[state_id].format(private=self.private) for state_id in state_ids)
        (self.states / "secrets.sls").write_text(text + extra)

    def configure(self, encrypt=True, keydir=None, **settings):
        """The state runs' minion config: ``aws_runbook_gpg`` (``settings`` over the public
        keyring and the master's fingerprint) and ``gpg_keydir``."""
        config = dict(self.minion, gpg_keydir=str((keydir or self.public).home))
        if encrypt:
            config["aws_runbook_gpg"] = {
                "recipients": [self.fingerprint],
                "gnupghome": str(self.public.home),
                **settings,
            }
        (self.salt_call.conf / "minion").write_text(yaml.safe_dump(config))

    def apply(self, *extra, env=None):
        cmd = [str(BIN / "salt-call"), "--local", "-c", str(self.salt_call.conf), "--out=json"]
        proc = subprocess.run(
            [*cmd, "state.apply", "secrets", "-l", "all", *extra],
            env=env or self.salt_call.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode in (0, 1) and proc.stdout, proc.stdout + proc.stderr
        return proc, json.loads(proc.stdout)["local"]

    def rendered(self):
        """Pillar as Salt's gpg renderer gives it, with the master's secret key."""
        cmd = [str(BIN / "salt-call"), "--local", "-c", str(self.render_conf), "--out=json"]
        proc = subprocess.run(
            [*cmd, "pillar.items", *UNMASK],
            env=self.salt_call.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return json.loads(proc.stdout)["local"]

    def texts(self):
        paths = {name: self.private / f"{name}.sls" for name in SECRET}
        return {name: path.read_bytes() for name, path in paths.items() if path.exists()}

    def data(self, name):
        return yaml.safe_load((self.private / f"{name}.sls").read_text())

    def close(self):
        self.master.close()
        self.public.close()


@pytest.fixture
def encrypted(salt_call, tmp_path):
    found = Encrypted(salt_call, tmp_path)
    yield found
    found.close()


def _at(data, path):
    for part in path:
        data = data[part]
    return data


def _changes(results, state_id):
    return next(r["changes"] for key, r in results.items() if f"_|-{state_id}_|-" in key)


def _plaintext_secrets(encrypted):
    """Every secret the files hold, decrypted with the master's secret key."""
    found = {}
    for name, paths in SECRET.items():
        data = encrypted.data(name)
        for path in paths:
            value = _at(data, path)
            assert value.startswith("-----BEGIN PGP MESSAGE-----"), (name, path)
            found[(name, *path)] = encrypted.master.decrypt(value)
    return found


def _issued_secret(user):
    (key,) = iam_backends[DEFAULT_ACCOUNT_ID]["global"].users[user].access_keys
    return key.access_key_id, key.secret_access_key


def _assert_nowhere(encrypted, proc, plaintexts):
    salt_call = encrypted.salt_call
    log = salt_call.log_file.read_text()
    assert "TRACE" in log, "the log must be at trace level for this check to mean anything"
    jobs = list((salt_call.root / "cache").rglob("minion_jobs/**/return.p"))
    assert jobs, "the job cache must be on for this check to mean anything"
    for secret in plaintexts:
        for form in secrets.forms(secret):
            assert form not in proc.stdout
            assert form not in proc.stderr
            assert form not in log
        # Not even the pillar files: every file under the test's root (job cache, log,
        # temporary files, the pillar tree) but those of the process that renders pillar.
        assert secrets.files_holding(secret, salt_call.root, but=[encrypted.render_files]) == []


def test_secrets_are_written_encrypted_and_render_decrypted(encrypted, aws_cli, moto_server):
    encrypted.configure(keydir=encrypted.master)  # creating the database reads its password
    proc, results = encrypted.apply()
    assert all(r["result"] is True for r in results.values()), results

    texts = encrypted.texts()
    for name, text in texts.items():
        assert text.startswith(b"#!yaml|gpg\n"), name
    assert texts["web1"].decode().startswith("#!yaml|gpg\n" + WEB1)
    assert all(
        stat.S_IMODE((encrypted.private / f"{n}.sls").stat().st_mode) == 0o600 for n in texts
    )
    plaintexts = _plaintext_secrets(encrypted)
    for name, paths in PLAIN.items():
        data = encrypted.data(name)
        for path in paths:
            assert "PGP" not in str(_at(data, path)), (name, path)
    _assert_nowhere(encrypted, proc, plaintexts.values())

    # What AWS issued, and what Salt's gpg renderer gives a server.
    key_id, issued = _issued_secret("web1-backup")
    smtp_key_id, smtp_secret = _issued_secret("web1-smtp")
    pillar = encrypted.rendered()
    assert pillar["aws"]["access_key"] == key_id
    assert pillar["aws"]["secret_key"] == issued == plaintexts[("web1", "aws", "secret_key")]
    assert pillar["smtp"]["username"] == smtp_key_id
    assert pillar["smtp"]["password"] == ses.smtp_password(smtp_secret, "us-east-1")
    assert pillar["postgres"]["password"] == plaintexts[("analytics", "postgres", "password")]
    assert pillar["postgres"]["url"].startswith("postgresql://postgres:")
    assert pillar["postgres"]["url"] == plaintexts[("analytics", "postgres", "url")]
    assert pillar["web"] == {"domain": "example.org"}

    # Converged: no secret key anywhere this run can reach, no change, the same bytes.
    encrypted.configure(keydir=encrypted.public)
    moto_server.reset_counts()
    proc, results = encrypted.apply()
    assert all(r["result"] is True and r["changes"] == {} for r in results.values()), results
    assert encrypted.texts() == texts
    assert moto_server.writes() == []

    # A deleted key: test=True reports the rotation and writes nothing...
    aws_cli("iam", "delete-access-key", "--user-name", "web1-backup", "--access-key-id", key_id)
    _, results = encrypted.apply("test=True")
    assert _changes(results, "web1-backup")["access_key_id"]["old"] == key_id
    assert encrypted.texts() == texts
    # ...which then changes only the access key's line and its ciphertext's lines.
    proc, results = encrypted.apply()
    assert all(r["result"] is True for r in results.values()), results
    new_key_id, new_secret = _issued_secret("web1-backup")
    assert new_key_id != key_id
    after = encrypted.texts()
    assert after["analytics"] == texts["analytics"]
    changed = [
        line
        for line in difflib.unified_diff(
            texts["web1"].decode().splitlines(), after["web1"].decode().splitlines(), n=0
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    old_block = _block_lines(texts["web1"].decode(), "  secret_key: ")
    new_block = _block_lines(after["web1"].decode(), "  secret_key: ")
    allowed = {f"-  access_key: {key_id}", f"+  access_key: {new_key_id}"}
    allowed |= {"-" + line for line in old_block} | {"+" + line for line in new_block}
    assert changed and set(changed) <= allowed, changed
    assert encrypted.master.decrypt(encrypted.data("web1")["aws"]["secret_key"]) == new_secret
    _assert_nowhere(encrypted, proc, [issued, new_secret])


def _block_lines(text, header):
    """The lines of the literal block whose key line starts with ``header``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if line and not line.startswith("    "):
            break
        block.append(line)
    return block


def test_a_plaintext_file_is_encrypted_in_place_without_an_aws_write(encrypted, moto_server):
    encrypted.configure(encrypt=False, keydir=encrypted.master)
    _, results = encrypted.apply()
    assert all(r["result"] is True for r in results.values()), results
    before = {name: encrypted.data(name) for name in SECRET}
    texts = encrypted.texts()
    assert b"PGP" not in texts["web1"] + texts["analytics"]

    encrypted.configure(keydir=encrypted.public)
    moto_server.reset_counts()
    _, results = encrypted.apply("test=True")
    assert all(r["result"] is None for k, r in results.items() if "security_group" not in k)
    assert _changes(results, "web1-backup") == {"secret_access_key": "encrypted in place"}
    assert _changes(results, "web1-smtp") == {"smtp_password": "encrypted in place"}
    assert _changes(results, "analytics") == {
        "password": "encrypted in place",
        "url": "encrypted in place",
    }
    assert encrypted.texts() == texts

    proc, results = encrypted.apply()
    assert all(r["result"] is True for r in results.values()), results
    assert _changes(results, "web1-backup") == {"secret_access_key": "encrypted in place"}
    assert moto_server.writes() == []
    plaintexts = _plaintext_secrets(encrypted)
    for (name, *path), value in plaintexts.items():
        assert value == _at(before[name], path)
    for name, paths in PLAIN.items():
        for path in paths:
            assert _at(encrypted.data(name), path) == _at(before[name], path)
    assert encrypted.texts()["web1"].decode().startswith("#!yaml|gpg\n" + WEB1)
    # Moved: the same secrets, now only as ciphertext, and nowhere else in the clear.
    _assert_nowhere(encrypted, proc, plaintexts.values())


@pytest.fixture
def bad_keys(encrypted):
    """Keys of the public keyring that cannot be encrypted to, by what is wrong."""
    public = encrypted.public
    revoked = encrypted.master.generate("Revoked <revoked@example.org>")
    encrypted.master.revoke(revoked)
    encrypted.master.export_public(revoked, public)
    return {
        "expired": public.generate("Old <old@example.org>", expire="1d", when="20200101T000000"),
        "revoked": revoked,
        "sign-only": public.generate("Sign <sign@example.org>", "ed25519", "sign"),
        "unknown": "5" * 40,
    }


BAD_CASES = [
    ("expired", "aws_runbook_gpg:recipients: the key {key} in {home} is expired"),
    ("revoked", "aws_runbook_gpg:recipients: the key {key} in {home} is revoked"),
    ("sign-only", "aws_runbook_gpg:recipients: the key {key} in {home} has no usable encryption"),
    ("unknown", "aws_runbook_gpg:recipients: the key {key} in {home} is not in the keyring"),
]


@pytest.mark.parametrize(("which", "message"), BAD_CASES)
def test_a_bad_recipient_fails_before_any_aws_call(
    encrypted, bad_keys, moto_server, which, message
):
    encrypted.configure(recipients=[bad_keys[which]])
    _fails_with_no_aws_call(
        encrypted, moto_server, message.format(key=bad_keys[which], home=encrypted.public.home)
    )


def test_a_missing_gnupghome_fails_before_any_aws_call(encrypted, moto_server, tmp_path):
    encrypted.configure(gnupghome=str(tmp_path / "nowhere"))
    _fails_with_no_aws_call(encrypted, moto_server, "aws_runbook_gpg:gnupghome: is not a directory")


def test_no_gpg_program_fails_before_any_aws_call(encrypted, moto_server, tmp_path):
    # The PATH of the run, but without gpg: Salt itself needs the rest (dpkg for grains...).
    without_gpg = tmp_path / "bin-without-gpg"
    without_gpg.mkdir()
    for directory in encrypted.salt_call.env["PATH"].split(os.pathsep):
        for program in pathlib.Path(directory).glob("*"):
            link = without_gpg / program.name
            if not program.name.startswith("gpg") and not link.exists():
                link.symlink_to(program)
    env = dict(encrypted.salt_call.env, PATH=f"{BIN}{os.pathsep}{without_gpg}")
    encrypted.configure()
    message = "aws_runbook_gpg:recipients: encryption needs the gpg program"
    _fails_with_no_aws_call(encrypted, moto_server, message, env=env)


def test_another_renderer_fails_before_any_aws_call(encrypted, moto_server):
    web1 = encrypted.private / "web1.sls"
    web1.write_text("#!jinja|yaml\n" + WEB1)
    encrypted.configure()
    encrypted.write_states("web1-backup", "web1-smtp")
    moto_server.reset_counts()
    _, results = encrypted.apply()
    for result in results.values():
        assert result["result"] is False
        assert result["comment"].startswith(f"pillar file {web1}: line 1 is '#!jinja|yaml'")
    assert moto_server.calls() == []


def test_the_state_argument_overrides_the_config(encrypted, moto_server, bad_keys):
    encrypted.configure(encrypt=False)
    expired = bad_keys["expired"]
    encrypted.write_states("web1-backup", extra=f"    - gpg_recipients: ['{expired}']\n")
    message = f"gpg_recipients: the key {expired} in {encrypted.public.home} is expired"
    _fails_with_no_aws_call(encrypted, moto_server, message, ("web1-backup",))
    # [] turns encryption off for the state, whatever the config says.
    encrypted.configure()
    encrypted.write_states("web1-backup", extra="    - gpg_recipients: []\n")
    _, results = encrypted.apply()
    assert all(r["result"] is True for r in results.values()), results
    assert "PGP" not in (encrypted.private / "web1.sls").read_text()


def _fails_with_no_aws_call(encrypted, moto_server, message, state_ids=SECRET_STATES, env=None):
    """Apply ``state_ids`` alone: each fails with ``message``, and moto served no call."""
    if state_ids == SECRET_STATES:
        encrypted.write_states(*SECRET_STATES)
    moto_server.reset_counts()
    _, results = encrypted.apply(env=env)
    assert len(results) == len(state_ids)
    for result in results.values():
        assert result["result"] is False, result
        assert result["comment"].startswith(message), result["comment"]
    assert moto_server.calls() == []
    assert encrypted.texts()["web1"].decode() == WEB1
