"""``aws-runbook``: workstation mode, ``salt-call --local`` with a minion config of our own.

The config's ``file_roots`` is this package's SLS tree only and its ``pillar_roots`` the
operator's pillar checkout, so nothing in their own ``salt/`` tree can shadow ours or be
shadowed by it, and nobody hand-writes a minion config. ``thin-extra-mods`` prints the
salt-ssh master setting that ships what our modules import to a target.

``init`` writes the example pillar tree to start from; ``apply`` refuses, in one line and
before salt-call runs, a pillar that would apply nothing (see ``pillar_check``).
"""

import argparse
import importlib.metadata
import os
import pathlib
import sys

import salt.version
import yaml
from salt.scripts import salt_call

from salt_aws_runbook import example_pillar, pillar_check

SLS = "aws_runbook"
MINION_ID = "aws-admin"
# The exit status when the command refuses (argparse's, for a bad argument, too).
USAGE_ERROR = 2
# salt-call arguments that give the run a pillar other than what --pillar-root renders to.
PILLAR_ARGUMENTS = ("pillar=", "pillarenv=", "saltenv=")
# boto3 and what it imports, as the top-level names salt-ssh's thin_extra_mods takes (urllib3
# is in the thin since Salt 3008 only).
# What our modules import that Salt's thin lacks, with what those import in turn: boto3's
# stack, and dnspython, requests and publicsuffixlist for the DNS modules, dkimpy (``dkim``)
# for aws_ses.check_delivery.
# The package of the shared code every state and execution module imports (_utils/awsrunbook).
SHARED_PACKAGE = "awsrunbook"
THIN_DEPENDENCIES = (
    "boto3",
    "botocore",
    "jmespath",
    "s3transfer",
    "dateutil",
    "six",
    "urllib3",
    "dns",
    "requests",
    "idna",
    "charset_normalizer",
    "certifi",
    "publicsuffixlist",
    "dkim",
)


def file_root():
    """The directory holding our SLS tree: package data in an installed wheel; in a source
    checkout (an editable install) the repository's salt/ beside this package."""
    package = pathlib.Path(__file__).resolve().parent
    installed = package / "file_root"
    return installed if installed.is_dir() else package.parent / "salt"


def default_state_dir():
    state_home = os.environ.get("XDG_STATE_HOME") or pathlib.Path.home() / ".local" / "state"
    return pathlib.Path(state_home) / "aws-runbook"


def minion_config(pillar_root, state_dir, minion_id):
    return {
        "id": minion_id,
        "file_client": "local",
        "root_dir": str(state_dir),
        "cachedir": str(state_dir / "cache"),
        "pki_dir": str(state_dir / "pki"),
        "sock_dir": str(state_dir / "sock"),
        "log_file": str(state_dir / "salt-call.log"),
        "file_roots": {"base": [str(file_root())]},
        "pillar_roots": {"base": [str(pillar_root)]},
    }


def thin_extra_mods():
    """Our dependencies, then our shared package (Salt 3006's salt-ssh does not ship
    file_roots' _utils)."""
    return ",".join((*THIN_DEPENDENCIES, SHARED_PACKAGE))


def salt_call_argv(state_dir, sls, test, extra):
    return [
        "salt-call",
        "--local",
        "--config-dir",
        str(state_dir),
        "state.apply",
        sls,
        *(["test=True"] if test else []),
        *extra,
    ]


def version_text():
    """``--version``: this package's version from its installed metadata, and the Salt and
    Python it runs with."""
    ours = importlib.metadata.version("salt-aws-runbook")
    python = ".".join(str(part) for part in sys.version_info[:3])
    return f"aws-runbook {ours} (Salt {salt.version.__version__}, Python {python})"


def _add_minion_options(command):
    command.add_argument(
        "--pillar-root",
        required=True,
        type=pathlib.Path,
        metavar="PATH",
        help="the pillar tree (top.sls and the aws_runbook pillar; `init` writes an example)",
    )
    command.add_argument(
        "--state-dir",
        type=pathlib.Path,
        default=default_state_dir(),
        metavar="PATH",
        help="where the minion config, cache and log go (default: %(default)s)",
    )
    command.add_argument(
        "--id",
        default=MINION_ID,
        help="minion id: the pillar top file's target that gets aws_runbook (default: %(default)s)",
    )


def _parser():
    parser = argparse.ArgumentParser(
        prog="aws-runbook",
        description="Apply the AWS runbook states from a workstation (salt-call --local).",
        epilog="Start with `aws-runbook init PATH`, then `aws-runbook apply --pillar-root PATH`.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=version_text(),
        help="print the version, and Salt's, and exit",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    init = commands.add_parser(
        "init",
        help="write the example pillar tree into a directory",
        description="Write the example pillar tree (top.sls, aws_runbook/, private/) into "
        "PATH. Nothing is overwritten: if any of its files exists, nothing is written.",
    )
    init.add_argument(
        "path", type=pathlib.Path, metavar="PATH", help="the directory (created if missing)"
    )
    apply = commands.add_parser(
        "apply",
        help="write the minion config, then run salt-call --local state.apply",
        description="Write the minion config, then run salt-call --local state.apply. "
        "Arguments after -- go to salt-call (e.g. -- --log-level=debug).",
    )
    config = commands.add_parser(
        "config",
        help="print the minion config apply would use",
        description="Print the minion config apply would write, and where; write nothing.",
    )
    commands.add_parser(
        "thin-extra-mods",
        help="print the salt-ssh master setting that ships our dependencies",
        description="Print the thin_extra_mods line for a salt-ssh master config, naming "
        "what this package imports that Salt's thin lacks.",
    )
    for command in (apply, config):
        _add_minion_options(command)
    apply.add_argument("--test", action="store_true", help="report changes, make none")
    apply.add_argument("--sls", default=SLS, help="SLS to apply (default: %(default)s)")
    apply.add_argument(
        "salt_call_args",
        nargs=argparse.REMAINDER,
        metavar="-- SALT_CALL_ARGS",
        help="arguments for salt-call, after --",
    )
    return parser


def _parse(argv):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command not in ("apply", "config"):
        return args
    args.pillar_root = args.pillar_root.expanduser().resolve()
    args.state_dir = args.state_dir.expanduser().resolve()
    if not args.pillar_root.is_dir():
        parser.error(f"--pillar-root: {args.pillar_root} is not a directory")
    extra = getattr(args, "salt_call_args", [])
    args.salt_call_args = extra[1:] if extra[:1] == ["--"] else extra
    return args


def _fail(message):
    print(f"aws-runbook: {message}", file=sys.stderr)
    return USAGE_ERROR


def _init(args):
    destination = args.path.expanduser().resolve()
    try:
        files = example_pillar.write_example(destination)
    except FileExistsError as exc:
        return _fail(f"init: not overwriting {exc.args[0]}; nothing written")
    except OSError as exc:
        return _fail(f"init: cannot write into {destination}: {exc.strerror}")
    print(example_pillar.next_steps(destination, files), end="")
    return 0


def _thin_extra_mods(args):
    print(f"thin_extra_mods: {thin_extra_mods()}")
    return 0


def _config(args):
    print(f"# {args.state_dir / 'minion'}")
    print(
        yaml.safe_dump(minion_config(args.pillar_root, args.state_dir, args.id), sort_keys=False),
        end="",
    )
    return 0


def _no_state_reason(args, config_file):
    """Why the apply would run no state (one line), or None."""
    # A pillar given on salt-call's command line (or another pillarenv) is not what the
    # pillar root renders to: salt-call is left to it.
    if any(arg.startswith(PILLAR_ARGUMENTS) for arg in args.salt_call_args):
        return None
    view = pillar_check.read_pillar(config_file, args.pillar_root)
    applied = pillar_check.sections_applied(args.sls, pillar_check.known_sections())
    return pillar_check.no_state_reason(view, args.id, applied)


def _apply(args):
    config = minion_config(args.pillar_root, args.state_dir, args.id)
    args.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    config_file = args.state_dir / "minion"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    reason = _no_state_reason(args, config_file)
    if reason:
        return _fail(reason)
    # salt-call in this process, as the salt-call script itself does: it is the Salt this
    # package is installed into, whichever way (venv, salt-pip, onedir) that was.
    sys.argv = salt_call_argv(args.state_dir, args.sls, args.test, args.salt_call_args)
    return salt_call()


COMMANDS = {
    "init": _init,
    "apply": _apply,
    "config": _config,
    "thin-extra-mods": _thin_extra_mods,
}


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    return COMMANDS[args.command](args)
