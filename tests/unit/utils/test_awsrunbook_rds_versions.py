"""Engine versions: the one a database is created with and the changes allowed."""

import pytest
from awsrunbook import rds_versions
from salt.exceptions import SaltInvocationError

POSTGRES = [{"EngineVersion": v} for v in ("15.13", "16.9", "16.10", "17.4", "17.5")]
AURORA = [
    {"EngineVersion": "13.9", "ServerlessV2FeaturesSupport": {"MinCapacity": 0.5}},
    {"EngineVersion": "16.2", "ServerlessV2FeaturesSupport": {"MinCapacity": 0.5}},
    {"EngineVersion": "16.6", "ServerlessV2FeaturesSupport": {"MinCapacity": 0.0}},
    {"EngineVersion": "17.9", "ServerlessV2FeaturesSupport": None},
]


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
    assert rds_versions.choose_engine_version(POSTGRES, wanted, default) == chosen


def test_engine_version_not_offered_names_the_argument():
    with pytest.raises(SaltInvocationError, match=r"^engine_version: not offered.*16\.9"):
        rds_versions.choose_engine_version(POSTGRES, "14")
    with pytest.raises(SaltInvocationError, match=r"^engine_version: the region lists no"):
        rds_versions.choose_engine_version([], "latest")


def test_aurora_default_is_the_newest_that_pauses():
    assert rds_versions.choose_aurora_version(AURORA, None) == "16.6"
    assert rds_versions.choose_aurora_version(AURORA, "16") == "16.6"
    assert rds_versions.choose_aurora_version(AURORA, "13") == "13.9"
    # 17.9 has no Serverless v2 support: not a candidate
    with pytest.raises(SaltInvocationError, match=r"^engine_version: "):
        rds_versions.choose_aurora_version(AURORA, "17")


def test_min_capacity_raised_where_the_version_cannot_pause():
    assert rds_versions.serverless_min_capacity(AURORA, "13.9") == 0.5
    assert rds_versions.serverless_min_capacity(AURORA, "16.6") == 0.0
    assert rds_versions.serverless_min_capacity(AURORA, "17.9") is None
    assert rds_versions.effective_min_capacity(0.0, 0.0) == (0.0, None)
    value, note = rds_versions.effective_min_capacity(0.0, 0.5)
    assert value == 0.5 and "cannot pause" in note and "0.5" in note
    assert rds_versions.effective_min_capacity(1.0, 0.5) == (1.0, None)


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
    assert rds_versions.version_change(current, wanted, allow) == expected


def test_major_upgrade_and_downgrade_are_refused():
    target, refusal = rds_versions.version_change("16.9", "17.4", False)
    assert target is None and "allow_major_version_upgrade: true" in refusal
    target, refusal = rds_versions.version_change("16.9", "16.2", True)
    assert target is None and "cannot downgrade" in refusal
    assert rds_versions.needs_version_list("16.9", "latest")
    assert rds_versions.needs_version_list("16.9", "17")
    assert not rds_versions.needs_version_list("16.9", "16")
    assert not rds_versions.needs_version_list("16.9", "16.10")
    assert not rds_versions.needs_version_list("16.9", None)
    assert rds_versions.major_of("9.6.24") == "9.6"
    assert rds_versions.version_key("16.10") > rds_versions.version_key("16.9")
