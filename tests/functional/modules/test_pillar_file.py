"""pillar_file through Salt's loader: only the written keys' lines change, atomic 0600
writes under a lock, symlinks followed, faults of the file system handled, secrets masked."""

import errno
import fcntl
import hashlib
import logging
import os
import pathlib
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from salt.exceptions import CommandExecutionError, SaltInvocationError

from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "pillar"
OLD_SECRET = "oldBackupSecretKey/0000000000000000000001"
NEW_SECRET = "NEWbackupSECRET/key+0000000000000000000002"

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


def test_set_values_keeps_comments_and_order(pillar_file, tmp_path, minion_opts):
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
    # nothing beside it: no temporary file, and the lock file (mode 0600) is in the cache
    left = [p.name for p in path.parent.iterdir() if p.name != "web1.sls"]
    assert left == [], "temp or lock file left in the pillar directory"
    lock = pathlib.Path(pillar_file.lock_path(str(path)))
    digest = hashlib.sha256(str(path).encode()).hexdigest()
    assert lock == pathlib.Path(minion_opts["cachedir"], "aws_runbook", "locks", f"{digest}.lock")
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    assert stat.S_IMODE(lock.parent.stat().st_mode) == 0o700


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


# --- a real private pillar file: one key, one line ------------------------------------------


@pytest.mark.parametrize("name", ["registry.sls", "registry-crlf.sls"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_one_key_of_a_real_pillar_file_changes_one_line(pillar_file, tmp_path, name, bom):
    original = bom + (FIXTURES / name).read_bytes()
    path = tmp_path / "private" / "registry.sls"
    path.parent.mkdir()
    path.write_bytes(original)
    result = pillar_file.set_values(str(path), {"aws:secret_key": NEW_SECRET})
    assert result == {"path": str(path), "changed": ["aws:secret_key"]}
    assert path.read_bytes() == original.replace(
        f"  secret_key: '{OLD_SECRET}'".encode(), f"  secret_key: '{NEW_SECRET}'".encode()
    )
    removed = pillar_file.remove(str(path), ["aws:secret_key"])
    assert removed == {"path": str(path), "removed": ["aws:secret_key"]}
    eol = b"\r\n" if b"\r\n" in original else b"\n"
    assert path.read_bytes() == original.replace(
        f"  secret_key: '{OLD_SECRET}'".encode() + eol, b""
    )


def test_rotating_an_anchored_password_updates_its_aliases(pillar_file, tmp_path):
    path = tmp_path / "registry.sls"
    shutil.copy(FIXTURES / "registry.sls", path)
    pillar_file.set_values(str(path), {"smtp:password": "BNewSmtpPassword"})
    got = pillar_file.read(
        str(path),
        ["docker_apps:registry:env", "docker_apps:pelican_frontend:env:EMAIL_HOST_PASSWORD"],
        unmask=True,
    )
    assert got["docker_apps:registry:env"]["EMAIL_HOST_PASSWORD"] == "BNewSmtpPassword"
    assert got["docker_apps:pelican_frontend:env:EMAIL_HOST_PASSWORD"] == "BNewSmtpPassword"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("defaults: &D {region: x}\naws: *D\n", "aws is an alias"),
        ("defaults: &D {secret_key: x}\naws:\n  <<: *D\n", "comes from the merge key"),
    ],
)
def test_refuses_to_write_through_an_alias_or_merge_key(pillar_file, tmp_path, text, message):
    path = tmp_path / "a.sls"
    path.write_text(text)
    for call in (
        lambda: pillar_file.set_values(str(path), {"aws:secret_key": NEW_SECRET}),
        lambda: pillar_file.check_writable(str(path), ["aws:secret_key"]),
    ):
        with pytest.raises(CommandExecutionError, match=message) as caught:
            call()
        assert str(path) in str(caught.value) and NEW_SECRET not in str(caught.value)
    assert path.read_text() == text


# --- odd files ----------------------------------------------------------------------------


def test_non_utf8_file_is_named_without_a_traceback(pillar_file, tmp_path):
    path = tmp_path / "latin1.sls"
    original = "# Réseau\naws:\n  region: eu-west-1\n".encode("latin-1")
    path.write_bytes(original)
    message = rf"pillar file {path} is not UTF-8 text \(byte 3 on line 1 is not valid UTF-8\)"
    with pytest.raises(CommandExecutionError, match=message):
        pillar_file.set_values(str(path), {"aws:region": "us-east-1"})
    with pytest.raises(CommandExecutionError, match=message):
        pillar_file.read(str(path), ["aws:region"])
    with pytest.raises(CommandExecutionError, match=message):
        pillar_file.check_writable(str(path), ["aws:region"])
    assert path.read_bytes() == original


def test_created_directories_are_private(pillar_file, tmp_path):
    path = tmp_path / "a" / "b" / "c.sls"
    pillar_file.set_values(str(path), {"aws:region": "eu-west-1"})
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700


def test_bad_arguments_are_named(pillar_file, tmp_path):
    path = str(tmp_path / "x.sls")
    with pytest.raises(SaltInvocationError, match="values: aws:k must be a single value"):
        pillar_file.set_values(path, {"aws:k": ["list"]})
    with pytest.raises(SaltInvocationError, match="keys: key path aws:key is given and"):
        pillar_file.set_values(path, {"aws:key": "a", "aws:key:secret": "b"})
    with pytest.raises(SaltInvocationError, match="must be an absolute path"):
        pillar_file.read("relative.sls", ["a"])
    assert not os.path.exists(path)


# --- symlinks -----------------------------------------------------------------------------


def test_a_symlinked_pillar_file_is_followed(pillar_file, tmp_path):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    target = checkout / "web1.sls"
    target.write_text("aws:\n  region: us-east-1\n")
    target.chmod(0o644)
    pillar = tmp_path / "pillar"
    pillar.mkdir()
    link = pillar / "web1.sls"
    link.symlink_to(target)

    pillar_file.set_values(str(link), {"aws:access_key": "AKIA1"})
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "aws:\n  region: us-east-1\n  access_key: AKIA1\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    # the temporary file lived beside the target, not beside the link; the lock is the
    # target's, in the cache
    assert sorted(p.name for p in checkout.iterdir()) == ["web1.sls"]
    assert pillar_file.lock_path(str(link)) == pillar_file.lock_path(str(target))
    assert [p.name for p in pillar.iterdir()] == ["web1.sls"]

    target.chmod(0o644)  # the no-change path treats the same file the same way
    assert pillar_file.set_values(str(link), {"aws:access_key": "AKIA1"})["changed"] == []
    assert link.is_symlink() and stat.S_IMODE(target.stat().st_mode) == 0o600

    pillar_file.remove(str(link), ["aws:access_key"])
    assert link.is_symlink() and target.read_text() == "aws:\n  region: us-east-1\n"


def test_a_dangling_symlink_names_the_file_to_create(pillar_file, tmp_path):
    link = tmp_path / "web1.sls"
    link.symlink_to(tmp_path / "real" / "web1.sls")
    pillar_file.set_values(str(link), {"aws:region": "eu-west-1"})
    assert link.is_symlink()
    assert (tmp_path / "real" / "web1.sls").read_text() == "aws:\n  region: eu-west-1\n"


# --- faults of the file system --------------------------------------------------------------


def _fail_directory_fsync(monkeypatch):
    real_fsync = os.fsync

    def fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_failing_directory_fsync_is_a_warning_not_a_failure(
    pillar_file, tmp_path, monkeypatch, caplog
):
    path = tmp_path / "web1.sls"
    path.write_text("aws:\n  region: us-east-1\n")
    _fail_directory_fsync(monkeypatch)
    with caplog.at_level(logging.DEBUG):
        result = pillar_file.set_values(str(path), {"aws:secret_key": NEW_SECRET})
    assert result["changed"] == ["aws:secret_key"]
    assert path.read_text() == f"aws:\n  region: us-east-1\n  secret_key: {NEW_SECRET}\n"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"Pillar file {path} was written, but its directory could not be synced (Invalid "
        "argument): this file system may lose the change on a power failure"
    ]
    assert NEW_SECRET not in caplog.text


def test_a_rename_reported_as_failed_that_happened_counts_as_written(
    pillar_file, tmp_path, monkeypatch
):
    path = tmp_path / "web1.sls"
    path.write_text("aws: {}\n")
    real_replace = os.replace

    def replace_then_fail(source, destination):
        real_replace(source, destination)
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", replace_then_fail)
    assert pillar_file.set_values(str(path), {"aws:k": "v"})["changed"] == ["aws:k"]
    assert path.read_text() == "aws: {k: v}\n"


def test_a_rename_that_failed_is_an_error_and_changes_nothing(pillar_file, tmp_path, monkeypatch):
    path = tmp_path / "web1.sls"
    path.write_text("aws: {}\n")

    def fail(source, destination):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(
        CommandExecutionError,
        match=f"cannot write pillar file {path}: Invalid cross-device link; it was left as it was",
    ):
        pillar_file.set_values(str(path), {"aws:k": "v"})
    assert path.read_text() == "aws: {}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["web1.sls"]


@pytest.fixture
def read_only_directory(tmp_path):
    """A directory holding ``web1.sls`` that nobody may write: a read-only tmpfs when we are
    root (permissions do not stop root), else a directory of mode 0500."""
    directory = tmp_path / "ro"
    directory.mkdir()
    if os.geteuid() != 0:
        (directory / "web1.sls").write_text("aws:\n  region: us-east-1\n")
        directory.chmod(0o500)
        yield directory
        directory.chmod(0o700)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", directory], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("root without the right to mount a read-only tmpfs: run as another user")
    try:
        (directory / "web1.sls").write_text("aws:\n  region: us-east-1\n")
        subprocess.run(["mount", "-o", "remount,ro", directory], check=True)
        yield directory
    finally:
        subprocess.run(["umount", directory], check=True)


def test_a_read_only_directory_is_reported_before_and_at_write(pillar_file, read_only_directory):
    path = read_only_directory / "web1.sls"
    with pytest.raises(
        CommandExecutionError, match=f"cannot write pillar file {path}: .*directory {path.parent}"
    ):
        pillar_file.check_writable(str(path), ["aws:secret_key"])
    # the lock file is in the cache, so the write itself is what fails
    with pytest.raises(
        CommandExecutionError,
        match=f"cannot write pillar file {path}: (Read-only file system|Permission denied); it "
        "was left as it was",
    ):
        pillar_file.set_values(str(path), {"aws:secret_key": NEW_SECRET})
    assert path.read_text() == "aws:\n  region: us-east-1\n"


# --- the lock -------------------------------------------------------------------------------


def test_a_slow_rename_makes_the_other_writer_wait_and_both_keys_survive(
    pillar_file, tmp_path, monkeypatch
):
    path = tmp_path / "web1.sls"
    path.write_text("aws:\n  region: us-east-1\n")
    real_replace = os.replace
    renaming = threading.Event()

    def slow_replace(source, destination):
        if threading.current_thread().name == "first":
            renaming.set()
            time.sleep(1)
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", slow_replace)
    finished = []

    def write(key):
        pillar_file.set_values(str(path), {key: "v"})
        finished.append(key)

    first = threading.Thread(target=write, args=("aws:first",), name="first")
    first.start()
    assert renaming.wait(10)
    write("smtp:second")  # reads the file only once the first writer is done
    first.join()
    assert finished == ["aws:first", "smtp:second"]
    assert path.read_text() == "aws:\n  region: us-east-1\n  first: v\nsmtp:\n  second: v\n"


def test_a_writer_that_holds_the_lock_too_long_is_reported(pillar_file, tmp_path):
    path = tmp_path / "web1.sls"
    path.write_text("aws: {}\n")
    pillar_file.set_values(str(path), {"aws:first": "v"})  # makes the lock file
    lock = os.open(pillar_file.lock_path(str(path)), os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(
            CommandExecutionError,
            match=rf"pillar file {path} is being written by another process, which has held "
            r"its lock \(.*/aws_runbook/locks/[0-9a-f]{64}\.lock\) for more than 0.3 s; nothing "
            r"was written",
        ):
            pillar_file.set_values(str(path), {"aws:k": "v"}, lock_timeout=0.3)
    finally:
        os.close(lock)
    assert path.read_text() == "aws: {first: v}\n"
    assert pillar_file.set_values(str(path), {"aws:k": "v"})["changed"] == ["aws:k"]


# --- SIGKILL in the middle of a write -------------------------------------------------------

KILLED_WRITER = textwrap.dedent(
    """\
    import os, stat, sys, tempfile, time
    sys.path.insert(0, "_utils")
    from _modules import pillar_file

    pillar_file.__opts__ = {"cachedir": tempfile.mkdtemp()}

    path, flag, stage = sys.argv[1:]
    real_fsync, real_replace = os.fsync, os.replace

    def stop_here():
        open(flag, "w").close()
        time.sleep(120)

    def fsync(fd):
        is_directory = stat.S_ISDIR(os.fstat(fd).st_mode)
        if (stage == "writing" and not is_directory) or (stage == "renamed" and is_directory):
            stop_here()
        real_fsync(fd)

    def replace(source, destination):
        if stage == "renaming":
            stop_here()
        real_replace(source, destination)

    os.fsync, os.replace = fsync, replace
    pillar_file.set_values(path, {"aws:secret_key": sys.argv[4] if len(sys.argv) > 4 else "NEW"})
    """
)


@pytest.mark.parametrize(
    ("stage", "holds"), [("writing", "old"), ("renaming", "old"), ("renamed", "new")]
)
def test_sigkill_mid_write_leaves_the_old_or_the_new_file(pillar_file, tmp_path, stage, holds):
    path = tmp_path / "web1.sls"
    old = "# web1\naws:\n  region: us-east-1\n  secret_key: OLD\n"
    path.write_text(old)
    flag = tmp_path / "stopped"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path), str(flag), stage], cwd=REPO
    )
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert writer.poll() is None and time.monotonic() < deadline, "writer did not stop"
            time.sleep(0.05)
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.wait()
    assert path.read_text() == {"old": old, "new": old.replace("OLD", "NEW")}[holds]
    # The next writer removes what the killed one left (a temporary file may hold secrets).
    pillar_file.set_values(str(path), {"aws:region": "eu-west-1"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stopped", "web1.sls"]


# --- reading back ---------------------------------------------------------------------------


def test_read_masks_secrets_below_a_parent_key(pillar_file, tmp_path):
    path = tmp_path / "registry.sls"
    shutil.copy(FIXTURES / "registry.sls", path)
    got = pillar_file.read(str(path), ["aws", "smtp", "aws:secret_key", "aws:nope:x"])
    assert got == {
        "aws": {
            "access_key": "AKIAOLDBACKUPKEY0001",
            "secret_key": "**********",
            "region": "eu-west-1",
        },
        "smtp": {
            "host": "email-smtp.eu-west-1.amazonaws.com",
            "port": 587,
            "username": "AKIAOLDSMTPUSER00001",
            "password": "**********",
        },
        "aws:secret_key": True,
        "aws:nope:x": None,
    }
    everything = pillar_file.read(str(path), ["docker_apps"])
    assert "BOldSmtpPassword" not in str(everything)
    assert pillar_file.read(str(path), ["aws"], unmask=True)["aws"]["secret_key"] == OLD_SECRET


# --- checking before any AWS call -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keys", "message"),
    [
        ("smtp: false\n", ["smtp:us-east-1:password"], "smtp is not a mapping but a single value"),
        ("aws:\n  - x\n", ["aws:secret_key"], "aws is not a mapping but a list"),
        ("aws: {{ grains['id'] }}\n", ["aws:k"], "looks like a Jinja template"),
        ("aws: [\n", ["aws:k"], "not valid YAML at line 2"),
    ],
)
def test_check_writable_names_the_problem_and_writes_nothing(
    pillar_file, tmp_path, text, keys, message
):
    path = tmp_path / "web1.sls"
    path.write_text(text)
    with pytest.raises(CommandExecutionError, match=f"pillar file {path}.*{message}"):
        pillar_file.check_writable(str(path), keys)
    assert [p.name for p in tmp_path.iterdir()] == ["web1.sls"]
    assert path.read_text() == text


def test_check_writable_accepts_what_set_values_can_write(pillar_file, tmp_path):
    path = tmp_path / "registry.sls"
    shutil.copy(FIXTURES / "registry.sls", path)
    keys = ["aws:secret_key", "smtp:eu-west-2:password", "postgres:backup:s3_key_secret"]
    assert pillar_file.check_writable(str(path), keys) is True
    assert pillar_file.check_writable(str(tmp_path / "new" / "dir" / "web1.sls"), keys) is True
    assert not (tmp_path / "new").exists()
    with pytest.raises(CommandExecutionError, match="it is a directory"):
        pillar_file.check_writable(str(tmp_path), keys)


# --- one file, however it is spelled --------------------------------------------------------


def test_every_spelling_of_one_file_takes_one_lock(pillar_file, tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    path = private / "web.sls"
    path.write_text("aws: {}\n")
    (tmp_path / "link.sls").symlink_to(path)
    (tmp_path / "dir-link").symlink_to(private)
    spellings = [
        str(path),
        f"{private}/./web.sls",
        f"{private}/../private/web.sls",
        str(tmp_path / "link.sls"),
        str(tmp_path / "dir-link" / "web.sls"),
    ]
    assert len({pillar_file.lock_path(spelling) for spelling in spellings}) == 1
    assert pillar_file.lock_path(str(tmp_path / "other.sls")) != pillar_file.lock_path(str(path))


def test_a_writer_with_another_cache_directory_waits_for_the_directory_lock(pillar_file, tmp_path):
    """Two minion configs (two cache directories) share no lock file; the lock on the pillar
    file's directory still serialises them."""
    path = tmp_path / "web1.sls"
    path.write_text("aws:\n  region: us-east-1\n")
    directory = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(directory, fcntl.LOCK_EX)  # what a writer of another config holds
        with pytest.raises(CommandExecutionError, match="being written by another process"):
            pillar_file.set_values(str(path), {"aws:k": "v"}, lock_timeout=0.3)
    finally:
        os.close(directory)
    assert path.read_text() == "aws:\n  region: us-east-1\n"
    assert pillar_file.set_values(str(path), {"aws:k": "v"})["changed"] == ["aws:k"]


def test_a_hard_linked_pillar_file_is_refused_before_and_at_write(pillar_file, tmp_path):
    path = tmp_path / "web1.sls"
    path.write_text("aws:\n  region: us-east-1\n")
    os.link(path, tmp_path / "web1-copy.sls")
    for call in (
        lambda: pillar_file.check_writable(str(path), ["aws:secret_key"]),
        lambda: pillar_file.set_values(str(path), {"aws:secret_key": NEW_SECRET}),
    ):
        with pytest.raises(
            CommandExecutionError,
            match=f"cannot write pillar file {path}: it has 2 hard links.*make the others symlinks",
        ):
            call()
    assert path.read_text() == (tmp_path / "web1-copy.sls").read_text()
    assert NEW_SECRET not in path.read_text()


# --- masking from the writer states' declarations ------------------------------------------


def test_the_states_declare_the_secret_paths_read_masks(pillar_file):
    declared = pillar_file.declared_secrets()
    for path in (
        "aws:secret_key",
        "smtp:password",
        "smtp:*:password",
        "postgres:password",
        "postgres:password_pending",
        "postgres:url",
    ):
        assert path in declared
    assert pillar_file.is_secret("postgres:url")
    assert not pillar_file.is_secret("postgres:host")


def test_read_masks_a_database_url(pillar_file, tmp_path):
    """The URL holds the password (percent-encoded): never shown, read as a key or inside
    its mapping."""
    path = tmp_path / "db.sls"
    url = "postgresql://postgres:p%40ss%2Fw0rd@db.example.org:5432/postgres"
    path.write_text(f"postgres:\n  host: db.example.org\n  password: p@ss/w0rd\n  url: {url}\n")
    got = pillar_file.read(str(path), ["postgres", "postgres:url"])
    assert got == {
        "postgres": {"host": "db.example.org", "password": "**********", "url": "**********"},
        "postgres:url": True,
    }
    assert "w0rd" not in str(got)
    assert pillar_file.read(str(path), ["postgres:url"], unmask=True) == {"postgres:url": url}


def test_a_secret_is_not_copied_through_an_anchored_mapping(pillar_file, tmp_path):
    path = tmp_path / "web1.sls"
    text = "aws: &AWS\n  region: eu-west-2\nbackup_copy: *AWS\n"
    path.write_text(text)
    expected = (
        r"aws:secret_key is a secret and would go into the mapping with the anchor &AWS \(line 1\)"
    )
    with pytest.raises(CommandExecutionError, match=expected):
        pillar_file.check_writable(str(path), ["aws:region", "aws:secret_key"])
    with pytest.raises(CommandExecutionError, match=expected):
        pillar_file.set_values(str(path), {"aws:secret_key": NEW_SECRET})
    with pytest.raises(CommandExecutionError, match=r"aws:url is a secret .* anchor &AWS"):
        pillar_file.check_writable(str(path), ["aws:url"], mask=["aws:url"])
    assert path.read_text() == text
    assert pillar_file.set_values(str(path), {"aws:region": "us-east-1"})["changed"] == [
        "aws:region"
    ]
