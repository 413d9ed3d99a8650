"""Secrets encrypted at rest with a real master (pytest-salt-factories): the management
minion's highstate writes web1's credentials into the master's pillar tree as ciphertext,
encrypting to the master's key with only its public key at hand; the master holds the
secret key in ``gpg_keydir``, and web1 gets the decrypted values after a pillar refresh."""

import pytest
import yaml
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends

from tests.conftest import REPO
from tests.masterminion.conftest import point_at_moto
from tests.support import secrets
from tests.support.gnupg import Keyring


@pytest.fixture(scope="module")
def keyrings(tmp_path_factory):
    """The master's key pair, and a keyring with its public key only (the admin minion's)."""
    root = tmp_path_factory.mktemp("gnupg")
    master, public = Keyring(root / "master"), Keyring(root / "public")
    fingerprint = master.generate("Salt master <salt@example.org>")
    master.export_public(fingerprint, public)
    yield master, public, fingerprint
    master.close()
    public.close()


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    root = tmp_path_factory.mktemp("trees")
    states, pillar = root / "states", root / "pillar"
    (pillar / "private").mkdir(parents=True)
    states.mkdir()
    (states / "top.sls").write_text("base:\n  'aws-admin':\n    - aws_runbook\n")
    (pillar / "top.sls").write_text(
        "base:\n  'aws-admin':\n    - aws_runbook\n  'web1':\n    - private.web1\n"
    )
    user = {"bucket": "ocp-web1-backup", "pillar_file": str(pillar / "private" / "web1.sls")}
    backup = {"buckets": {"ocp-web1-backup": {}}, "users": {"web1-backup": user}}
    runbook = {"connection": {"region": "eu-west-2"}, "backup": backup}
    (pillar / "aws_runbook.sls").write_text(yaml.safe_dump({"aws_runbook": runbook}))
    (pillar / "private" / "web1.sls").write_text("# web1\nweb: {}\n")
    return states, pillar


@pytest.fixture(scope="module")
def master(salt_factories, moto_url, trees, keyrings):
    states, pillar = trees
    point_at_moto(salt_factories, moto_url)
    overrides = {
        "file_roots": {"base": [str(states), str(REPO / "salt")]},
        "pillar_roots": {"base": [str(pillar)]},
        # The master decrypts pillar with its secret key, as Salt's gpg renderer documents.
        "gpg_keydir": str(keyrings[0].home),
        "gpg_decrypt_must_succeed": True,
    }
    factory = salt_factories.salt_master_daemon("gpg-master", overrides=overrides)
    with factory.started():
        yield factory


@pytest.fixture(scope="module")
def minions(master, keyrings):
    _, public, fingerprint = keyrings
    # The management minion encrypts with the master's public key only.
    encrypt = {"aws_runbook_gpg": {"recipients": [fingerprint], "gnupghome": str(public.home)}}
    admin = master.salt_minion_daemon("aws-admin", overrides=encrypt)
    web1 = master.salt_minion_daemon("web1")
    with admin.started(), web1.started():
        yield admin, web1


def test_the_minion_gets_decrypted_pillar_the_file_holds_ciphertext(master, minions, trees):
    admin, web1 = minions
    salt_cli = master.salt_cli(timeout=180)
    first = salt_cli.run("state.highstate", minion_tgt=admin.id)
    assert first.returncode == 0, first
    assert all(r["result"] is True for r in first.data.values()), first.data

    text = (trees[1] / "private" / "web1.sls").read_text()
    assert text.startswith("#!yaml|gpg\n# web1\n")
    written = yaml.safe_load(text)
    assert written["aws"]["secret_key"].startswith("-----BEGIN PGP MESSAGE-----")
    (key,) = iam_backends[DEFAULT_ACCOUNT_ID]["global"].users["web1-backup"].access_keys
    assert written["aws"]["access_key"] == key.access_key_id
    for form in secrets.forms(key.secret_access_key):
        assert form not in text
        assert form not in str(first.data)

    assert salt_cli.run("saltutil.refresh_pillar", wait=True, minion_tgt=web1.id).returncode == 0
    seen = salt_cli.run("pillar.get", "aws", unmask=True, minion_tgt=web1.id)
    assert seen.data["access_key"] == key.access_key_id
    assert seen.data["secret_key"] == key.secret_access_key

    second = salt_cli.run("state.highstate", minion_tgt=admin.id)
    assert all(r["result"] is True and r["changes"] == {} for r in second.data.values())
    assert (trees[1] / "private" / "web1.sls").read_text() == text
