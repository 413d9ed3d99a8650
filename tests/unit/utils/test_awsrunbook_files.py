"""A pillar file as one file however it is spelled, and where our per-file records go."""

import hashlib
import os

from awsrunbook import files


def test_spellings_symlinks_and_hard_links_are_one_file(tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    path = private / "web.sls"
    path.write_text("aws: {}\n")
    (tmp_path / "link.sls").symlink_to(path)
    os.link(path, tmp_path / "hard.sls")
    mine = files.identity(str(path))
    assert mine.path == str(path) and mine.inode == (path.stat().st_dev, path.stat().st_ino)
    for spelling in (f"{private}/./web.sls", f"{private}//web.sls", tmp_path / "link.sls"):
        assert files.identity(str(spelling)).same_file(mine)
    hard = files.identity(str(tmp_path / "hard.sls"))
    assert hard.path != mine.path and hard.same_file(mine)
    copy = tmp_path / "copy.sls"
    copy.write_text("aws: {}\n")
    assert not files.identity(str(copy)).same_file(mine)


def test_a_missing_file_is_its_resolved_path(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "dir-link").symlink_to(tmp_path / "real")
    found = files.identity(str(tmp_path / "dir-link" / "new.sls"))
    assert found == files.FileIdentity(str(tmp_path / "real" / "new.sls"))
    assert found.same_file(files.identity(str(tmp_path / "real" / "./new.sls")))


def test_cache_path_is_keyed_by_the_resolved_path(tmp_path):
    (tmp_path / "link.sls").symlink_to(tmp_path / "web.sls")
    digest = hashlib.sha256(str(tmp_path / "web.sls").encode()).hexdigest()
    expected = f"/var/cache/salt/minion/aws_runbook/locks/{digest}.lock"
    for spelling in (tmp_path / "web.sls", tmp_path / "link.sls", f"{tmp_path}/./web.sls"):
        assert files.cache_path("/var/cache/salt/minion", "locks", str(spelling), ".lock") == (
            expected
        )
    assert files.cache_path("/c", "intents", str(tmp_path / "web.sls")) == (
        f"/c/aws_runbook/intents/{digest}"
    )


def test_outside_root_follows_symlinked_directories(tmp_path):
    root = tmp_path / "pillar"
    (root / "private").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "shared").symlink_to(elsewhere)
    assert not files.outside_root(str(root / "private" / "web.sls"), str(root))
    assert files.outside_root(str(root / "shared" / "web.sls"), str(root))
    assert files.outside_root(str(tmp_path / "pillar-other" / "web.sls"), str(root))
