"""``aws-runbook``: workstation mode, ``salt-call --local`` with a minion config of our own.

The config's ``file_roots`` is this package's SLS tree only and its ``pillar_roots`` the
operator's pillar checkout, so nothing in their own ``salt/`` tree can shadow ours or be
shadowed by it, and nobody hand-writes a minion config. ``thin-extra-mods`` prints the
salt-ssh master setting that ships what our modules import to a target.
"""

import argparse
import importlib.metadata
import os
import pathlib
import sys

import yaml
from salt.scripts import salt_call

SLS = "aws_runbook"
MINION_ID = "aws-admin"
# boto3 and what it imports, as the top-level names salt-ssh's thin_extra_mods takes (urllib3
# is in the thin since Salt 3008 only).
# What our modules import that Salt's thin lacks, with what those import in turn: boto3's
# stack, and dnspython, requests and publicsuffixlist for the DNS modules, dkimpy (``dkim``)
# for aws_ses.check_delivery.
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
    """Our dependencies, then our top-level modules: the _utils ones (Salt 3006's salt-ssh
    does not ship file_roots' _utils)."""
    top_level = importlib.metadata.distribution("salt-aws-runbook").read_text("top_level.txt")
    ours = sorted(name for name in top_level.split() if name.startswith("awsrunbook_"))
    return ",".join((*THIN_DEPENDENCIES, *ours))


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


def _parser():
    parser = argparse.ArgumentParser(
        prog="aws-runbook",
        description="Apply the AWS runbook states from a workstation (salt-call --local).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    apply = commands.add_parser(
        "apply",
        help="write the minion config, then run salt-call --local state.apply",
        description="Arguments after -- go to salt-call (e.g. -- --log-level=debug).",
    )
    config = commands.add_parser("config", help="print the minion config apply would use")
    commands.add_parser(
        "thin-extra-mods", help="print the salt-ssh master setting that ships our dependencies"
    )
    for command in (apply, config):
        command.add_argument("--pillar-root", required=True, type=pathlib.Path, metavar="PATH")
        command.add_argument(
            "--state-dir",
            type=pathlib.Path,
            default=default_state_dir(),
            metavar="PATH",
            help="config, cache and log (default: %(default)s)",
        )
        command.add_argument("--id", default=MINION_ID, help="minion id (default: %(default)s)")
    apply.add_argument("--test", action="store_true", help="report changes, make none")
    apply.add_argument("--sls", default=SLS, help="SLS to apply (default: %(default)s)")
    apply.add_argument("salt_call_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def _parse(argv):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "thin-extra-mods":
        return args
    args.pillar_root = args.pillar_root.expanduser().resolve()
    args.state_dir = args.state_dir.expanduser().resolve()
    if not args.pillar_root.is_dir():
        parser.error(f"--pillar-root: {args.pillar_root} is not a directory")
    extra = getattr(args, "salt_call_args", [])
    args.salt_call_args = extra[1:] if extra[:1] == ["--"] else extra
    return args


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    if args.command == "thin-extra-mods":
        print(f"thin_extra_mods: {thin_extra_mods()}")
        return 0
    config = minion_config(args.pillar_root, args.state_dir, args.id)
    text = yaml.safe_dump(config, sort_keys=False)
    if args.command == "config":
        print(f"# {args.state_dir / 'minion'}")
        print(text, end="")
        return 0
    args.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    (args.state_dir / "minion").write_text(text)
    # salt-call in this process, as the salt-call script itself does: it is the Salt this
    # package is installed into, whichever way (venv, salt-pip, onedir) that was.
    sys.argv = salt_call_argv(args.state_dir, args.sls, args.test, args.salt_call_args)
    return salt_call()
