"""A real salt master and two minions (pytest-salt-factories): the management minion's
highstate creates the backup user and writes web1's private pillar on the master, and web1
sees its new credentials after a pillar refresh."""

import pytest
import yaml

from tests.conftest import REPO
from tests.masterminion.conftest import point_at_moto


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
    (pillar / "aws_runbook.sls").write_text(
        yaml.safe_dump(
            {
                "aws_runbook": {
                    "connection": {"region": "eu-west-2"},
                    "backup": {
                        "buckets": {"ocp-web1-backup": {}},
                        "users": {
                            "web1-backup": {
                                "bucket": "ocp-web1-backup",
                                "pillar_file": str(pillar / "private" / "web1.sls"),
                            }
                        },
                    },
                }
            }
        )
    )
    (pillar / "private" / "web1.sls").write_text("# web1\nweb: {}\n")
    return states, pillar


@pytest.fixture(scope="module")
def master(salt_factories, moto_url, trees):
    states, pillar = trees
    point_at_moto(salt_factories, moto_url)
    roots = {
        "file_roots": {"base": [str(states), str(REPO / "salt")]},
        "pillar_roots": {"base": [str(pillar)]},
    }
    factory = salt_factories.salt_master_daemon("master", overrides=roots)
    with factory.started():
        yield factory


@pytest.fixture(scope="module")
def minions(master):
    # The management minion runs on the master's host and writes into the master's pillar tree.
    admin = master.salt_minion_daemon("aws-admin")
    web1 = master.salt_minion_daemon("web1")
    with admin.started(), web1.started():
        yield admin, web1


def test_highstate_writes_pillar_that_reaches_the_server(master, minions, trees):
    admin, web1 = minions
    salt_cli = master.salt_cli(timeout=180)
    first = salt_cli.run("state.highstate", minion_tgt=admin.id)
    assert first.returncode == 0, first
    results = first.data
    assert all(r["result"] is True for r in results.values()), results
    assert any(r["changes"].get("access_key_id") for r in results.values())

    written = yaml.safe_load((trees[1] / "private" / "web1.sls").read_text())
    key_id = written["aws"]["access_key"]
    assert str(written["aws"]["secret_key"]) not in str(results)

    assert salt_cli.run("saltutil.refresh_pillar", wait=True, minion_tgt=web1.id).returncode == 0
    # Salt 3008 masks pillar values in output unless asked.
    seen = salt_cli.run("pillar.get", "aws:access_key", unmask=True, minion_tgt=web1.id)
    assert seen.data == key_id

    second = salt_cli.run("state.highstate", minion_tgt=admin.id)
    converged = second.data.values()
    assert all(r["result"] is True and r["changes"] == {} for r in converged), second.data
