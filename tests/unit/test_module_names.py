"""No execution or state module of ours takes a name that Salt or saltext-boto3 ships
(issue 21 item 10): a custom module shadows Salt's of the same name in every Salt process it
is installed in or synced to (our old ``aws_sqs`` hid Salt 3007's, whose ``aws_sqs.exists``
state then failed with ``KeyError: 'aws_sqs.queue_exists'``).

Checked against the Salt installed here (read from its files) and against the names
recorded by scripts/shipped_module_names.py for every locked Salt line and saltext-boto3
(tests/fixtures/salt/shipped_module_names.json)."""

import json
import pathlib
import re

import pytest

import salt
from tests.conftest import REPO

RECORDED = REPO / "tests" / "fixtures" / "salt" / "shipped_module_names.json"
VIRTUALNAME_RE = re.compile(r"^__virtualname__\s*=\s*[\"']([\w.]+)[\"']", re.MULTILINE)


def names_in(directory):
    """File names and ``__virtualname__`` values of the loader modules in ``directory``."""
    names = set()
    for path in pathlib.Path(directory).iterdir():
        if path.suffix == ".py" and not path.name.startswith("_"):
            names.add(path.stem)
            names.update(VIRTUALNAME_RE.findall(path.read_text(errors="replace")))
        elif (path / "__init__.py").is_file():
            names.add(path.name)
            names.update(VIRTUALNAME_RE.findall((path / "__init__.py").read_text()))
    return names


def ours():
    return {kind: names_in(REPO / f"_{kind}") for kind in ("modules", "states")}


def shipped():
    """``{release: every module and state name it ships}``: the installed Salt, and each
    recorded release."""
    installed = pathlib.Path(salt.__file__).parent
    found = {
        f"salt=={salt.version.__version__} (installed)": names_in(installed / "modules")
        | names_in(installed / "states")
    }
    for release, kinds in json.loads(RECORDED.read_text()).items():
        found[release] = set(kinds["modules"]) | set(kinds["states"])
    return found


def test_the_record_covers_every_locked_salt_line_and_saltext_boto3():
    releases = set(json.loads(RECORDED.read_text()))
    locked = {
        line.strip()
        for lock in (REPO / "locks").glob("salt*.txt")
        for line in lock.read_text().splitlines()
        if line.startswith("salt==")
    }
    assert locked <= releases, "run scripts/shipped_module_names.py after a lock moved"
    assert any(release.startswith("saltext-boto3==") for release in releases)


@pytest.mark.parametrize("release", sorted(shipped()))
def test_no_module_of_ours_shadows_one_shipped(release):
    # A state of ours named like a shipped execution module (or the other way round) breaks
    # too: Salt's state of that name calls its module of that name.
    names = shipped()[release]
    assert len(names) > 100 or release.startswith("saltext"), "the record is not a listing"
    clashes = {kind: sorted(mine & names) for kind, mine in ours().items() if mine & names}
    assert clashes == {}, f"{release} ships modules of these names: {clashes}"


def test_the_check_sees_a_clash():
    # The old name is in the record of Salt 3006 and 3007: the check above would fail on it.
    salt_3007 = next(
        names for release, names in shipped().items() if release.startswith("salt==3007")
    )
    assert "aws_sqs" in salt_3007
    assert "aws_sqs" not in ours()["modules"] and "sqs_queue" in ours()["modules"]
