"""The pure RDS code: passwords, validation, engine versions, drift, rotation, connection
details."""

import datetime
import string
import urllib.parse

import awsrunbook_rds as rds
import awsrunbook_state as st
import pytest
from salt.exceptions import SaltInvocationError

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)
POSTGRES = [{"EngineVersion": v} for v in ("15.13", "16.9", "16.10", "17.4", "17.5")]
AURORA = [
    {"EngineVersion": "13.9", "ServerlessV2FeaturesSupport": {"MinCapacity": 0.5}},
    {"EngineVersion": "16.2", "ServerlessV2FeaturesSupport": {"MinCapacity": 0.5}},
    {"EngineVersion": "16.6", "ServerlessV2FeaturesSupport": {"MinCapacity": 0.0}},
    {"EngineVersion": "17.9", "ServerlessV2FeaturesSupport": None},
]


@pytest.mark.parametrize("length", [8, 32, 41, 128])
def test_generated_passwords_follow_the_rules(length):
    for _ in range(50):
        password = rds.new_password(length).value
        assert len(password) == length
        assert not set(password) & set(rds.FORBIDDEN_IN_PASSWORD)
        assert set(password) <= set(string.ascii_letters + string.digits + rds.PASSWORD_MARKS)
        assert any(c.isupper() for c in password) and any(c.isdigit() for c in password)
        assert any(c in rds.PASSWORD_MARKS for c in password)
        # usable in a URL after quoting and as a plain YAML scalar
        assert urllib.parse.unquote(urllib.parse.quote(password, safe="")) == password
        assert rds.password_acceptable(password, "postgres")


def test_passwords_differ():
    assert len({rds.new_password(32).value for _ in range(20)}) == 20


@pytest.mark.parametrize(
    ("engine", "length", "ok"),
    [
        ("postgres", 7, False),
        ("postgres", 8, True),
        ("postgres", 128, True),
        ("postgres", 129, False),
        ("aurora-postgresql", 41, True),
        ("aurora-postgresql", 42, False),
        ("postgres", True, False),
    ],
)
def test_password_length_per_engine(engine, length, ok):
    if ok:
        assert rds.password_length(length, engine) == length
    else:
        with pytest.raises(SaltInvocationError, match=r"^password_length: must be"):
            rds.password_length(length, engine)


@pytest.mark.parametrize(
    "value", ["short", "has space1", "has/slash1", 'quote"d123', "at@sign12", None]
)
def test_unacceptable_passwords(value):
    assert not rds.password_acceptable(value, "postgres")


@pytest.mark.parametrize(
    "value", ["db.t3.mirco", "db.t3", "t3.micro", "db.t3.micro ", "db.T3.micro"]
)
def test_instance_class_typos_are_rejected(value):
    with pytest.raises(SaltInvocationError, match=r"^instance_class: is not a DB instance class"):
        rds.instance_class(value)


@pytest.mark.parametrize(
    "value", ["db.t3.micro", "db.t4g.small", "db.m7g.2xlarge", "db.r6gd.xlarge"]
)
def test_instance_classes(value):
    assert rds.instance_class(value) == value


@pytest.mark.parametrize("value", [19, 0, 65537, "20", True])
def test_storage_limits(value):
    with pytest.raises(SaltInvocationError, match=r"^allocated_storage: must be"):
        rds.allocated_storage(value)


def test_identifiers_usernames_db_names():
    assert rds.identifier("Analytics-1") == "analytics-1"
    for bad in ("1abc", "a--b", "a-", "a_b", "x" * 64):
        with pytest.raises(SaltInvocationError, match=r"^name: "):
            rds.identifier(bad)
    assert rds.master_username("postgres") == "postgres"
    for bad in ("rdsadmin", "1user", "a" * 17, "has-dash"):
        with pytest.raises(SaltInvocationError, match=r"^master_username: "):
            rds.master_username(bad)
    assert rds.db_name(None) is None
    with pytest.raises(SaltInvocationError, match=r"^db_name: "):
        rds.db_name("my-db")


def test_capacity_steps():
    assert rds.capacity(0, "min_capacity") == 0.0
    assert rds.capacity(2.5, "max_capacity") == 2.5
    for bad in (0.25, -1, 257, "2"):
        with pytest.raises(SaltInvocationError, match=r"^min_capacity: "):
            rds.capacity(bad, "min_capacity")


@pytest.mark.parametrize(
    ("wanted", "default", "chosen"),
    [
        (None, "17.4", "17.4"),
        (None, None, "17.5"),
        ("latest", "17.4", "17.5"),
        ("16", None, "16.10"),
        ("16.9", None, "16.9"),
    ],
)
def test_engine_version_choice(wanted, default, chosen):
    assert rds.choose_engine_version(POSTGRES, wanted, default) == chosen


def test_engine_version_not_offered_names_the_argument():
    with pytest.raises(SaltInvocationError, match=r"^engine_version: not offered.*16\.9"):
        rds.choose_engine_version(POSTGRES, "14")
    with pytest.raises(SaltInvocationError, match=r"^engine_version: "):
        rds.engine_version("sixteen")
    assert rds.engine_version(17) == "17"


def test_aurora_default_is_the_newest_that_pauses():
    assert rds.choose_aurora_version(AURORA, None) == "16.6"
    assert rds.choose_aurora_version(AURORA, "16") == "16.6"
    assert rds.choose_aurora_version(AURORA, "13") == "13.9"
    # 17.9 has no Serverless v2 support: not a candidate
    with pytest.raises(SaltInvocationError, match=r"^engine_version: "):
        rds.choose_aurora_version(AURORA, "17")


def test_min_capacity_raised_where_the_version_cannot_pause():
    assert rds.serverless_min_capacity(AURORA, "13.9") == 0.5
    assert rds.serverless_min_capacity(AURORA, "16.6") == 0.0
    assert rds.serverless_min_capacity(AURORA, "17.9") is None
    assert rds.effective_min_capacity(0.0, 0.0) == (0.0, None)
    value, note = rds.effective_min_capacity(0.0, 0.5)
    assert value == 0.5 and "cannot pause" in note and "0.5" in note
    assert rds.effective_min_capacity(1.0, 0.5) == (1.0, None)


@pytest.mark.parametrize(
    ("current", "wanted", "allow", "expected"),
    [
        ("16.9", None, False, (None, None)),
        ("16.9", "16", False, (None, None)),
        ("16.9", "16.9", False, (None, None)),
        ("16.9", "16.10", False, ("16.10", None)),
        ("16.9", "17.4", True, ("17.4", None)),
    ],
)
def test_version_changes(current, wanted, allow, expected):
    assert rds.version_change(current, wanted, allow) == expected


def test_major_upgrade_and_downgrade_are_refused():
    target, refusal = rds.version_change("16.9", "17.4", False)
    assert target is None and "allow_major_version_upgrade: true" in refusal
    target, refusal = rds.version_change("16.9", "16.2", True)
    assert target is None and "cannot downgrade" in refusal
    assert rds.needs_version_list("16.9", "latest")
    assert rds.needs_version_list("16.9", "17")
    assert not rds.needs_version_list("16.9", "16")
    assert not rds.needs_version_list("16.9", "16.10")
    assert not rds.needs_version_list("16.9", None)
    assert rds.major_of("9.6.24") == "9.6"


def test_drift_lists_fields_and_parameters():
    current = {
        "instance_class": "db.t3.small",
        "security_group_ids": ["sg-2", "sg-1"],
        "backup_retention_days": 0,
        "storage_encrypted": True,
    }
    desired = {
        "instance_class": "db.t3.micro",
        "security_group_ids": ["sg-1", "sg-2"],
        "backup_retention_days": 0,
        "storage_encrypted": False,
    }
    changes, params, fixed = rds.drift(current, desired, rds.INSTANCE_MODIFIABLE)
    assert changes == {"instance_class": {"old": "db.t3.small", "new": "db.t3.micro"}}
    assert params == {"DBInstanceClass": "db.t3.micro"}
    assert fixed == {"storage_encrypted": {"old": True, "new": False}}
    assert "cannot change" in rds.fixed_refusal("instance x", fixed)
    assert rds.fixed_refusal("instance x", {}) is None


def test_storage_cannot_shrink():
    assert "cannot shrink" in rds.storage_refusal(
        {"allocated_storage": 30}, {"allocated_storage": 20}
    )
    assert rds.storage_refusal({"allocated_storage": 20}, {"allocated_storage": 30}) is None


def test_scaling_compares_the_pause_only_at_zero():
    assert rds.scaling(0, 2, 3600) == {
        "MinCapacity": 0.0,
        "MaxCapacity": 2.0,
        "SecondsUntilAutoPause": 3600,
    }
    assert rds.scaling(0.5, 2, 3600) == {"MinCapacity": 0.5, "MaxCapacity": 2.0}


def test_rotation_reasons():
    both = {"password": True, "pending": False}
    assert rds.rotation_reason(False, both, None, 30, True, False) is None
    assert "interrupted" in rds.rotation_reason(
        True, {"password": True, "pending": True}, 1, None, False, False
    )
    assert "Secrets Manager" in rds.rotation_reason(True, both, 1, None, False, True)
    assert "holds no password" in rds.rotation_reason(
        True, {"password": False, "pending": False}, 1, None, False, False
    )
    assert "rotate_password" in rds.rotation_reason(True, both, 1, None, True, False)
    assert "unknown" in rds.rotation_reason(True, both, None, 30, False, False)
    assert "31 days old" in rds.rotation_reason(True, both, 31, 30, False, False)
    assert rds.rotation_reason(True, both, 29, 30, False, False) is None
    assert rds.rotation_reason(True, both, None, None, False, False) is None


def test_password_age_from_the_tag():
    stamp = rds.password_stamp(NOW - datetime.timedelta(days=3))
    assert rds.password_age_days({rds.PASSWORD_TAG: stamp}, NOW) == 3
    assert rds.password_age_days({}, NOW) is None
    assert rds.password_age_days({rds.PASSWORD_TAG: "garbage"}, NOW) is None
    assert rds.pending_path("postgres:password") == "postgres:password_pending"


def test_connection_values_leave_out_the_unknown():
    paths = dict(rds.DEFAULT_PILLAR_KEYS)
    values = rds.connection_values(paths, None, 5432, "postgres", None)
    assert values == {"postgres:port": 5432, "postgres:username": "postgres"}
    values = rds.connection_values(paths, "h.example", 5432, "postgres", "common")
    assert values["postgres:host"] == "h.example" and values["postgres:dbname"] == "common"
    assert "postgres:password" not in values


def test_url_quotes_every_part():
    url = rds.postgres_url("db.example", 5432, "postgres", "a+b=c!*^", "common")
    assert url == "postgresql://postgres:a%2Bb%3Dc%21%2A%5E@db.example:5432/common"
    parsed = urllib.parse.urlsplit(url)
    assert urllib.parse.unquote(parsed.password) == "a+b=c!*^"
    assert rds.postgres_url("db.example", "5432", "postgres", None, None) == (
        "postgresql://postgres@db.example:5432"
    )


def test_connection_errors_are_classified_and_scrubbed():
    message = rds.connection_error(
        Exception('FATAL:  password authentication failed for user "postgres" s3cret-Value'),
        "s3cret-Value",
    )
    assert message.startswith("authentication failed") and "s3cret-Value" not in message
    assert rds.connection_error(Exception("server does not support SSL"), "x").startswith("TLS")
    assert rds.connection_error(Exception("Connection refused"), "x").startswith(
        "the server could not be reached"
    )


DB = rds.database(
    "instance", "analytics", "postgres", "/srv/pillar/a.sls", dict(rds.DEFAULT_PILLAR_KEYS), 32
)
NOTHING = {"password": False, "pending": False, "url": False}


def test_create_writes_the_password_before_the_create_call():
    steps = rds.plan_create(
        DB, {"Engine": "postgres"}, {}, NOTHING, "2026-11-23T12:00:00+00:00", None, False
    )
    assert [s["call"] for s in steps] == [
        "aws_rds.new_password_into_pillar",
        "aws_rds.create_db_instance",
    ]
    assert steps[1]["kwargs"]["password_path"] == "postgres:password"
    assert steps[1]["kwargs"]["tags"] == {rds.PASSWORD_TAG: "2026-11-23T12:00:00+00:00"}
    # a password already in the file (an earlier run died before the create) is used as is
    kept = rds.plan_create(DB, {}, {}, dict(NOTHING, password=True), "x", 600, False)
    assert [s["call"] for s in kept] == [
        "aws_rds.create_db_instance",
        "aws_rds.wait_for_db_instance",
    ]
    managed = rds.plan_create(DB, {}, {}, NOTHING, "x", None, True)
    assert [s["call"] for s in managed] == ["aws_rds.create_db_instance"]
    assert managed[0]["kwargs"]["password_path"] is None


def test_rotation_order_pending_modify_tag_promote():
    current = {"arn": "arn:aws:rds:us-east-1:1:db:analytics", "secret_arn": None}
    steps = rds.plan_rotation(
        DB, "rotate_password is set", dict(NOTHING, password=True), current, "x"
    )
    assert [s["call"] for s in steps] == [
        "aws_rds.new_password_into_pillar",
        "aws_rds.set_master_password",
        "aws_rds.tag_resource",
        "aws_rds.promote_pending_password",
    ]
    assert steps[0]["kwargs"]["path"] == steps[1]["kwargs"]["path"] == "postgres:password_pending"
    assert st.changes_of(steps) == {"password": "rotated, written to /srv/pillar/a.sls"}
    # an interrupted rotation: the pending password is set again, never replaced
    resumed = rds.plan_rotation(
        DB, "x", {"password": True, "pending": True, "url": False}, current, "x"
    )
    assert resumed[0]["call"] == "aws_rds.set_master_password"


@pytest.mark.parametrize(
    ("subnets", "problem"),
    [
        (["aurora-a"], "at least two subnets"),
        (["aurora-a", "aurora-a"], "names a subnet twice"),
        ([], "must be a list"),
    ],
)
def test_a_subnet_group_needs_two_distinct_subnets(subnets, problem):
    with pytest.raises(SaltInvocationError, match=f"^subnets: .*{problem}"):
        rds.subnet_names(subnets)


def test_subnets_must_span_two_zones():
    rds.subnets_in_two_zones({"subnet-1": "us-east-1a", "subnet-2": "us-east-1b"})
    with pytest.raises(SaltInvocationError, match=r"^subnets: must be in at least two"):
        rds.subnets_in_two_zones({"subnet-1": "us-east-1a", "subnet-2": "us-east-1a"})


def test_secrets_in_the_clear_are_encrypted_in_place_last():
    encryption = {"recipients": ["A" * 40], "gnupghome": "/k", "secrets": []}
    paths = dict(rds.DEFAULT_PILLAR_KEYS, url="postgres:url")
    db = {
        **rds.database("instance", "analytics", "postgres", "/p.sls", paths, 32),
        "encryption": encryption,
        "plaintext": ["postgres:password", "postgres:password_pending", "postgres:url"],
    }
    steps = rds.plan_encrypt_in_place(db)
    assert [(s["field"], s["kwargs"]["keys"]) for s in steps] == [
        ("password", ["postgres:password", "postgres:password_pending"]),
        ("url", ["postgres:url"]),
    ]
    assert st.changes_of(steps) == {"password": "encrypted in place", "url": "encrypted in place"}
    assert rds.plan_encrypt_in_place({**db, "encryption": None}) == []
    assert rds.plan_encrypt_in_place(DB) == []
    # The steps that write a password carry the encryption with them.
    created = rds.plan_create(db, {}, {}, NOTHING, "x", None, False)
    assert created[0]["kwargs"]["encryption"] == encryption
