"""Engine versions: the version an RDS PostgreSQL instance or an Aurora PostgreSQL cluster is
created with, chosen from ``DescribeDBEngineVersions`` answers (``[{"EngineVersion",
"ServerlessV2FeaturesSupport"}]``, as ``aws_rds.engine_versions`` returns them), the change
a running database may make (no downgrade; a major upgrade only when allowed), and Aurora's
lowest Serverless v2 capacity per version. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from awsrunbook.validate import fail

# DescribeDBEngineVersions' DBEngineVersions: [{"EngineVersion", "ServerlessV2FeaturesSupport"}].
Versions = Sequence[Mapping[str, Any]]


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a version string (``16.10`` after ``16.9``)."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def major_of(version: str) -> str:
    """The major version: ``16`` of ``16.3``, ``9.6`` of ``9.6.24`` (before PostgreSQL 10)."""
    parts = version.split(".")
    return ".".join(parts[:2]) if parts[0] == "9" else parts[0]


def choose_engine_version(
    versions: Versions, wanted: str | None, default: str | None = None
) -> str:
    """The version to create: ``wanted`` resolved against ``versions`` (the
    ``DBEngineVersions`` of ``DescribeDBEngineVersions``). ``None`` → ``default`` (the region's
    default, from the ``DefaultOnly`` answer); ``latest`` → the newest; a major → its newest
    minor; a full version must be listed. Raises ``SaltInvocationError`` naming
    ``engine_version`` when nothing matches."""
    names = sorted({item["EngineVersion"] for item in versions}, key=version_key)
    if wanted is None:
        if default:
            return default
        wanted = "latest"
    if wanted == "latest":
        if not names:
            fail("engine_version", "the region lists no versions for this engine")
        return names[-1]
    if wanted in names:
        return wanted
    minors = [name for name in names if major_of(name) == wanted]
    if minors:
        return minors[-1]
    fail("engine_version", f"not offered in this region; available: {', '.join(names)}", wanted)
    return None


def serverless_min_capacity(versions: Versions, version: str) -> float | None:
    """The lowest ``MinCapacity`` Serverless v2 allows on ``version`` (0 where it can pause,
    else 0.5); ``None`` when the version does not support Serverless v2."""
    for item in versions:
        if item["EngineVersion"] == version:
            support = item.get("ServerlessV2FeaturesSupport")
            return float(support["MinCapacity"]) if support else None
    return None


def choose_aurora_version(versions: Versions, wanted: str | None) -> str:
    """The Aurora PostgreSQL version to create: by default the newest whose Serverless v2
    support allows ``MinCapacity`` 0 (auto-pause), else the newest with Serverless v2."""
    serverless = [item for item in versions if item.get("ServerlessV2FeaturesSupport")]
    if wanted is None:
        pausing = [
            item for item in serverless if item["ServerlessV2FeaturesSupport"]["MinCapacity"] == 0
        ]
        return choose_engine_version(pausing or serverless, "latest")
    return choose_engine_version(serverless, wanted)


def effective_min_capacity(wanted: float, version_floor: float | None) -> tuple[float, str | None]:
    """``(min_capacity, note)``: ``wanted`` raised to what the version allows, with a note
    saying so (``None`` when no raise was needed)."""
    if version_floor is None or wanted >= version_floor:
        return wanted, None
    return version_floor, (
        f"min_capacity {wanted:g} is not supported by this engine version (it cannot pause); "
        f"using {version_floor:g}"
    )


def is_major(version: str) -> bool:
    """``17`` or ``9.6``: a major version, not a full one."""
    return major_of(version) == version


def needs_version_list(current: str, wanted: str | None) -> bool:
    """Whether ``wanted`` must be resolved with ``DescribeDBEngineVersions`` for a database
    on ``current`` (``latest``, or another major than the running one)."""
    if wanted is None:
        return False
    return wanted == "latest" or (is_major(wanted) and wanted != major_of(current))


def version_change(
    current: str, target: str | None, allow_major: bool
) -> tuple[str | None, str | None]:
    """``(target, refusal)`` for a database on ``current`` asked for ``target`` (a full
    version, a major or ``None``). ``target`` comes back ``None`` when nothing changes;
    ``refusal`` explains a downgrade or a major upgrade that was not allowed."""
    if target is None or target == current or (is_major(target) and target == major_of(current)):
        return None, None
    if version_key(target) < version_key(current):
        return (
            None,
            f"engine_version {target} is older than the running {current}: RDS cannot downgrade",
        )
    if major_of(target) != major_of(current) and not allow_major:
        return None, (
            f"engine_version {target} is a major version upgrade from {current}; set "
            "allow_major_version_upgrade: true to do it"
        )
    return target, None
