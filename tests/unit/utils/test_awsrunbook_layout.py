"""Where credentials go in a pillar file, and the checks that keep those places apart."""

import awsrunbook_keys as keys
import awsrunbook_layout as layout
import pytest
from salt.exceptions import SaltInvocationError

TWO = ["us-east-1", "eu-west-1"]


def test_smtp_layouts_one_region_and_several():
    one = layout.smtp_user(None, ["us-east-1"])
    assert one == {"us-east-1": {name: [f"smtp:{name}"] for name in layout.SMTP_NAMES}}
    several = layout.smtp_user(None, TWO)
    assert several["eu-west-1"]["password"] == ["smtp:eu-west-1:password"]
    shared_user = layout.smtp_user({"username": "smtp:username", "port": None}, TWO)
    assert "port" not in shared_user["us-east-1"]
    assert shared_user["eu-west-1"]["username"] == ["smtp:username"]
    with pytest.raises(SaltInvocationError, match="pillar_keys:host"):
        layout.smtp_user({"host": "smtp:host"}, TWO)


def test_pillar_state_needs_every_region_under_one_key():
    per_region = layout.smtp_user(None, TWO)
    pillar = {
        "smtp:us-east-1:username": "AKIA1",
        "smtp:us-east-1:password": True,
        "smtp:eu-west-1:username": "AKIA1",
        "smtp:eu-west-1:password": True,
    }
    id_paths = [path for p in per_region.values() for path in p["username"]]
    secret_paths = {path: "smtp_password:x" for p in per_region.values() for path in p["password"]}

    def found(values):
        key = keys.pillar_key("/p.sls", id_paths, secret_paths, {}, values)
        return key["key_id"], key["complete"]

    assert found(pillar) == ("AKIA1", True)
    assert found({**pillar, "smtp:eu-west-1:password": False})[1] is False
    assert found({**pillar, "smtp:eu-west-1:username": "AKIA2"})[1] is False


def test_a_name_may_go_to_several_paths():
    paths = layout.backup_user(
        {
            "access_key_id": ["aws:access_key", "postgres:backup:s3_key"],
            "secret_access_key": ["aws:secret_key", "postgres:backup:s3_key_secret"],
            "endpoint": "postgres:backup:s3_endpoint",
        }
    )
    assert paths["access_key_id"] == ["aws:access_key", "postgres:backup:s3_key"]
    assert paths["endpoint"] == ["postgres:backup:s3_endpoint"]
    assert paths["region"] == ["aws:region"]


@pytest.mark.parametrize(
    ("pillar_keys", "message"),
    [
        ({"region": "aws:secret_key"}, "region (aws:secret_key) and secret_access_key"),
        ({"access_key_id": "aws:key", "secret_access_key": "aws:key:secret"}, "aws:key:secret"),
        ({"access_key_id": "aws:x", "secret_access_key": "aws:x"}, "the same place"),
        ({"bucket": []}, "pillar_keys:bucket: must be a key path or a non-empty list"),
        ({"region": "smtp:us-east-1:password", "secret_access_key": "aws:s"}, None),
    ],
)
def test_overlapping_paths_are_refused(pillar_keys, message):
    if message is None:  # a region at a path of another state's layout is this state's business
        assert layout.backup_user(pillar_keys)["region"] == ["smtp:us-east-1:password"]
        return
    with pytest.raises(SaltInvocationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        layout.backup_user(pillar_keys)


def chunk(state, state_id, **args):
    return {"state": state, "fun": "present", "__id__": state_id, "pillar_file": "/p.sls", **args}


def test_states_of_one_run_may_not_share_a_path_in_one_file():
    low = chunk("iam_backup_user", "web1-backup")
    other = chunk("iam_backup_user", "web1-pgbackrest")
    mine = layout.every_path(layout.backup_user(None))
    with pytest.raises(
        SaltInvocationError, match="also written by iam_backup_user web1-pgbackrest"
    ):
        layout.no_collision(layout.pillar_writers([low, other]), low, "/p.sls", mine)
    apart = chunk(
        "iam_backup_user",
        "web1-pgbackrest",
        pillar_keys={
            "access_key_id": "postgres:backup:s3_key",
            "secret_access_key": "postgres:backup:s3_key_secret",
            "region": None,
        },
    )
    layout.no_collision(layout.pillar_writers([low, apart]), low, "/p.sls", mine)
    elsewhere = dict(other, pillar_file="/other.sls")
    layout.no_collision(layout.pillar_writers([low, elsewhere]), low, "/p.sls", mine)
    smtp = chunk(
        "ses_smtp_user", "web1-smtp", regions=["us-east-1"], pillar_keys={"password": "aws"}
    )
    with pytest.raises(SaltInvocationError, match="ses_smtp_user web1-smtp"):
        layout.no_collision(layout.pillar_writers([low, smtp]), low, "/p.sls", mine)


def test_layout_merges_defaults_and_rejects_unknown_names():
    defaults = {"access_key_id": "aws:access_key", "region": "aws:region"}
    merged = layout.layout(
        {"region": None, "bucket": "x:y"}, ["access_key_id", "region", "bucket"], defaults, ()
    )
    assert merged == {"access_key_id": ["aws:access_key"], "bucket": ["x:y"]}
    with pytest.raises(SaltInvocationError, match=r"^pillar_keys: unknown name"):
        layout.layout({"colour": "a:b"}, ["region"], {}, ())
    with pytest.raises(
        SaltInvocationError, match=r"^pillar_keys:region: must be a colon-delimited"
    ):
        layout.layout({"region": "a::b"}, ["region"], {}, ())
