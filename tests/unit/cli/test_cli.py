"""The ``aws-runbook`` command's parser and its ``init``, ``--version`` and ``config``
commands, in-process (the apply runs are in tests/integration/test_workstation.py)."""

import argparse
import importlib.metadata
import pathlib

import pytest
import salt.version

from salt_aws_runbook import cli, example_pillar


def _actions(parser):
    """Every argument of ``parser`` and of its subcommands, with the parser it belongs to."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                yield from _actions(command)
        else:
            yield parser.prog, action


def test_every_option_and_command_has_help():
    actions = list(_actions(cli._parser()))
    assert len(actions) > 10
    for prog, action in actions:
        assert action.help and action.help != argparse.SUPPRESS, (prog, action.dest)
    (commands,) = (a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == set(cli.COMMANDS)
    for choice in commands._choices_actions:
        assert choice.help, choice.dest


def test_version_names_this_package_and_salt(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    line = capsys.readouterr().out.strip()
    version = importlib.metadata.version("salt-aws-runbook")
    assert line.startswith(f"aws-runbook {version} (Salt {salt.version.__version__}, Python 3.")
    assert "\n" not in line


def test_init_writes_the_example_tree_and_says_what_next(tmp_path, capsys):
    destination = tmp_path / "my pillar"
    assert cli.main(["init", str(destination)]) == 0
    written = sorted(p.relative_to(destination) for p in destination.rglob("*") if p.is_file())
    root = example_pillar.example_root()
    assert written == example_pillar.example_files(root)
    assert pathlib.Path("top.sls") in written
    for relative in written:
        assert (destination / relative).read_bytes() == (root / relative).read_bytes()
    out = capsys.readouterr().out
    assert f"aws-runbook apply --pillar-root '{destination}' --test" in out
    assert f"aws-runbook apply --pillar-root '{destination}' " in out


def test_init_overwrites_nothing(tmp_path, capsys):
    destination = tmp_path / "pillar"
    mine = destination / "aws_runbook" / "ses.sls"
    mine.parent.mkdir(parents=True)
    mine.write_text("aws_runbook: {ses: {}}\n")

    assert cli.main(["init", str(destination)]) == cli.USAGE_ERROR
    err = capsys.readouterr().err
    assert err == f"aws-runbook: init: not overwriting {mine}; nothing written\n"
    assert [p for p in destination.rglob("*") if p.is_file()] == [mine]
    assert mine.read_text() == "aws_runbook: {ses: {}}\n"


def test_init_into_a_file_is_refused(tmp_path, capsys):
    destination = tmp_path / "pillar"
    destination.write_text("")
    assert cli.main(["init", str(destination)]) == cli.USAGE_ERROR
    assert f"not overwriting {destination};" in capsys.readouterr().err


def test_config_writes_nothing(tmp_path, capsys):
    pillar = tmp_path / "pillar"
    pillar.mkdir()
    state = tmp_path / "state"
    assert cli.main(["config", "--pillar-root", str(pillar), "--state-dir", str(state)]) == 0
    assert capsys.readouterr().out.startswith(f"# {state / 'minion'}\n")
    assert not state.exists()


@pytest.mark.parametrize("argument", ["pillar={aws_runbook: {}}", "pillarenv=dev", "saltenv=dev"])
def test_a_pillar_from_the_command_line_is_left_to_salt_call(tmp_path, argument):
    # The pillar root is not what the run's pillar will be: no reading of it (the config file
    # given does not even exist), no refusal.
    args = argparse.Namespace(salt_call_args=[argument], sls=cli.SLS, id="x", pillar_root=tmp_path)
    assert cli._no_state_reason(args, tmp_path / "missing" / "minion") is None
