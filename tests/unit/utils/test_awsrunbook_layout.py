"""Where credentials go in a pillar file, and the checks that keep those places apart."""

import types

import pytest
from awsrunbook import files, keys, layout, rds_connection
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


def smtp_writes(args):
    return layout.smtp_writes(args, args["regions"], lambda r: f"email-smtp.{r}", 587)


DECLARED = {
    "iam_backup_user": layout.Writer(
        ("aws:secret_key",), lambda args: layout.backup_writes(args, lambda r: f"s3.{r}")
    ),
    "ses_smtp_user": layout.Writer(("smtp:password",), smtp_writes),
    "rds_postgres": rds_connection.WRITER,
}


def identity(path):
    """Paths as written name files (the real identity is awsrunbook.files.identity's)."""
    return files.FileIdentity(path.replace("/./", "/"))


def check(low, *others):
    writers = layout.pillar_writers([low, *others], DECLARED, identity)
    mine = DECLARED[low["state"]].writes(low)
    layout.no_collision(writers, (low["state"], low["__id__"]), identity(low["pillar_file"]), mine)


def test_states_of_one_run_may_not_share_a_path_in_one_file():
    low = chunk("iam_backup_user", "web1-backup", region="eu-west-2", bucket="b")
    other = chunk("iam_backup_user", "web1-pgbackrest", region="eu-west-2", bucket="b")
    with pytest.raises(
        SaltInvocationError, match="also written by iam_backup_user web1-pgbackrest"
    ):
        check(low, other)
    apart = chunk(
        "iam_backup_user",
        "web1-pgbackrest",
        pillar_keys={
            "access_key_id": "postgres:backup:s3_key",
            "secret_access_key": "postgres:backup:s3_key_secret",
            "region": None,
        },
    )
    check(low, apart)
    elsewhere = dict(other, pillar_file="/other.sls")
    check(low, elsewhere)
    smtp = chunk(
        "ses_smtp_user", "web1-smtp", regions=["us-east-1"], pillar_keys={"password": "aws"}
    )
    with pytest.raises(SaltInvocationError, match="ses_smtp_user web1-smtp"):
        check(low, smtp)


def test_two_spellings_of_one_file_are_one_file():
    low = chunk("iam_backup_user", "a", region="eu-west-2", bucket="b")
    other = chunk("iam_backup_user", "b", region="eu-west-2", bucket="b", pillar_file="/./p.sls")
    with pytest.raises(SaltInvocationError, match=r"aws:access_key in /p.sls is also written"):
        check(low, other)


PGBACKREST = {
    "access_key_id": "postgres:backup:s3_key",
    "secret_access_key": "postgres:backup:s3_key_secret",
}


def test_equal_values_at_one_path_are_not_a_collision():
    """A site-backup user and a pgBackRest user of one server both write aws:region."""
    site = chunk("iam_backup_user", "site", region="eu-west-2", bucket="b")
    pgbackrest = chunk(
        "iam_backup_user", "pg", region="eu-west-2", bucket="b", pillar_keys=PGBACKREST
    )
    check(site, pgbackrest)
    check(pgbackrest, site)
    # no region given: the same profile means the same default region
    check(
        chunk("iam_backup_user", "site", bucket="b"),
        chunk("iam_backup_user", "pg", bucket="b", pillar_keys=PGBACKREST),
    )


@pytest.mark.parametrize(
    ("theirs", "message"),
    [
        ({"region": "us-east-1"}, "aws:region in /p.sls is also written by iam_backup_user pg"),
        ({"profile": "other"}, "aws:region in /p.sls"),
        (
            {"pillar_keys": {**PGBACKREST, "secret_access_key": "aws:secret_key"}},
            r"aws:secret_key in /p.sls .*\(a secret is never shared\)",
        ),
        (
            {"pillar_keys": {**PGBACKREST, "region": None, "bucket": "aws:region"}},
            "aws:region in /p.sls",
        ),
    ],
)
def test_different_values_or_a_shared_secret_collide(theirs, message):
    site = chunk("iam_backup_user", "site", bucket="b", region="eu-west-2")
    pgbackrest = chunk(
        "iam_backup_user",
        "pg",
        bucket="b",
        **{"region": "eu-west-2", "pillar_keys": PGBACKREST, **theirs},
    )
    if "profile" in theirs:
        site.pop("region")
        pgbackrest.pop("region")
    with pytest.raises(SaltInvocationError, match=message):
        check(site, pgbackrest)


def test_two_databases_on_one_file_with_the_default_keys_collide():
    first = chunk("rds_postgres", "analytics")
    second = chunk("rds_postgres", "reporting")
    with pytest.raises(SaltInvocationError, match="also written by rds_postgres reporting"):
        check(first, second)
    second["pillar_keys"] = {name: f"reporting:{name}" for name in ("host", "port", "username")}
    second["pillar_keys"].update({"password": "reporting:password", "dbname": "reporting:db"})
    check(first, second)


def test_a_chunk_with_bad_input_is_left_to_its_own_state():
    low = chunk("iam_backup_user", "a", bucket="b")
    broken = chunk("iam_backup_user", "b", pillar_keys={"colour": "a:b"})
    check(low, broken)
    assert layout.pillar_writers([broken, chunk("file", "x")], DECLARED, identity) == []


def test_declaration_is_read_from_the_state_functions_declaration():
    def declared(pillar):
        return types.SimpleNamespace(__aws_runbook__=types.SimpleNamespace(pillar=pillar))

    assert layout.declaration(declared(rds_connection.WRITER)) is rds_connection.WRITER
    assert layout.declaration(declared("nonsense")) is None
    assert layout.declaration(declared(None)) is None
    assert layout.declaration(lambda: None) is None


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
