"""pillar_file through Salt's loader: comments and order kept, atomic 0600 writes."""

import os
import stat

import pytest
from salt.exceptions import CommandExecutionError

ORIGINAL = """\
# Private pillar of web1 (a comment to keep)
web:
  domain: example.org   # trailing comment
aws:
  region: us-east-1
"""


@pytest.fixture
def pillar_file(loaders):
    return loaders.modules.pillar_file


def test_set_values_keeps_comments_and_order(pillar_file, tmp_path):
    path = tmp_path / "private" / "web1.sls"
    path.parent.mkdir()
    path.write_text(ORIGINAL)
    os.chmod(path, 0o644)
    result = pillar_file.set_values(
        str(path), {"aws:access_key": "AKIAEXAMPLE", "aws:region": "eu-west-2", "a:b:c": 1}
    )
    assert result == {"path": str(path), "changed": ["aws:access_key", "aws:region", "a:b:c"]}
    assert path.read_text() == (
        "# Private pillar of web1 (a comment to keep)\n"
        "web:\n"
        "  domain: example.org   # trailing comment\n"
        "aws:\n"
        "  region: eu-west-2\n"
        "  access_key: AKIAEXAMPLE\n"
        "a:\n"
        "  b:\n"
        "    c: 1\n"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # beside it only its lock file (mode 0600), no temporary file
    left = [p.name for p in path.parent.iterdir() if p.name != "web1.sls"]
    assert left == [".web1.sls.lock"], "temp file left"
    assert stat.S_IMODE((path.parent / ".web1.sls.lock").stat().st_mode) == 0o600


def test_creates_file_and_directory(pillar_file, tmp_path):
    path = tmp_path / "new" / "dir" / "srv.sls"
    pillar_file.set_values(str(path), {"smtp:port": 587})
    assert path.read_text() == "smtp:\n  port: 587\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_unchanged_values_do_not_rewrite(pillar_file, tmp_path):
    path = tmp_path / "same.sls"
    path.write_text("aws:\n  region: us-east-1\n")
    os.chmod(path, 0o600)
    before = path.stat().st_ino
    assert pillar_file.set_values(str(path), {"aws:region": "us-east-1"})["changed"] == []
    assert path.stat().st_ino == before


def test_read_masks_secrets(pillar_file, tmp_path):
    path = tmp_path / "s.sls"
    path.write_text("aws:\n  access_key: AKIA1\n  secret_key: s3cr3t\n")
    got = pillar_file.read(
        str(path), ["aws:access_key", "aws:secret_key", "aws:x"], mask=["aws:secret_key"]
    )
    assert got == {"aws:access_key": "AKIA1", "aws:secret_key": True, "aws:x": None}


@pytest.mark.parametrize(
    "text",
    [
        "aws:\n  region: {{ grains['region'] }}\n",
        "#!jinja|yaml\naws: {}\n",
        "{% set x = 1 %}\naws: {}\n",
    ],
)
def test_refuses_templates(pillar_file, tmp_path, text):
    path = tmp_path / "t.sls"
    path.write_text(text)
    with pytest.raises(CommandExecutionError, match="only plain YAML files can be edited"):
        pillar_file.set_values(str(path), {"aws:access_key": "AKIA"})
    assert path.read_text() == text


def test_refuses_non_mapping_parent(pillar_file, tmp_path):
    path = tmp_path / "n.sls"
    path.write_text("aws: just-a-string\n")
    with pytest.raises(CommandExecutionError, match="aws is not a mapping"):
        pillar_file.set_values(str(path), {"aws:access_key": "AKIA"})


def test_remove_prunes_empty_parents(pillar_file, tmp_path):
    path = tmp_path / "r.sls"
    path.write_text("# top\naws:\n  access_key: A\n  secret_key: B\nweb: 1\n")
    assert pillar_file.remove(str(path), ["aws:access_key", "aws:secret_key", "aws:nope"])[
        "removed"
    ] == [
        "aws:access_key",
        "aws:secret_key",
    ]
    assert path.read_text() == "# top\nweb: 1\n"
