"""``salt_aws_runbook.example_pillar``: where the example tree is, what is in the way of
writing it, how it is written."""

import pathlib
import stat

from salt_aws_runbook import example_pillar
from tests.conftest import REPO


def test_in_a_checkout_the_example_is_the_repositorys_pillar_example():
    # The editable install of the test environment; tests/integration/test_wheel.py checks
    # the installed wheel's own copy.
    assert example_pillar.example_root() == REPO / "pillar.example"
    files = example_pillar.example_files(REPO / "pillar.example")
    on_disk = sorted(
        p.relative_to(REPO / "pillar.example") for p in REPO.glob("pillar.example/**/*")
    )
    assert files == [p for p in on_disk if p.suffix == ".sls"]
    assert len(files) >= 8


def test_conflicts_names_files_and_non_directories_in_the_way(tmp_path):
    files = [
        pathlib.Path("top.sls"),
        pathlib.Path("private/a.sls"),
        pathlib.Path("aws_runbook/b.sls"),
    ]
    assert example_pillar.conflicts(tmp_path / "new", files) == []
    (tmp_path / "top.sls").mkdir()
    (tmp_path / "private").write_text("")
    (tmp_path / "aws_runbook").mkdir()
    (tmp_path / "aws_runbook" / "b.sls").symlink_to(tmp_path / "nowhere")
    assert example_pillar.conflicts(tmp_path, files) == [
        tmp_path / "aws_runbook" / "b.sls",
        tmp_path / "private",
        tmp_path / "top.sls",
    ]


def test_written_files_are_private_to_the_operator(tmp_path):
    # private/*.sls will hold the credentials the states create.
    written = example_pillar.write_example(tmp_path / "pillar")
    assert written
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == example_pillar.FILE_MODE
    assert stat.S_IMODE((tmp_path / "pillar" / "private").stat().st_mode) == 0o700


def test_next_steps_quote_the_path_for_a_shell(tmp_path):
    destination = tmp_path / "a b"
    text = example_pillar.next_steps(destination, [destination / "top.sls"])
    assert "  top.sls\n" in text
    assert f"aws-runbook apply --pillar-root '{destination}' --test" in text
