"""``aws-runbook init``: the example pillar tree written into the operator's directory.

The tree is the repository's ``pillar.example/``, shipped in the wheel as the package data
``salt_aws_runbook/pillar_example`` (setup.cfg maps it as it maps ``salt/`` to ``file_root``).
Nothing existing is overwritten: every path is checked before the first file is written.
"""

import pathlib
import shlex

# The pillar writer puts created credentials into private/*.sls of this tree.
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def example_root() -> pathlib.Path:
    """The example pillar tree: package data in an installed wheel; in a source checkout (an
    editable install) the repository's pillar.example/ beside this package."""
    package = pathlib.Path(__file__).resolve().parent
    installed = package / "pillar_example"
    return installed if installed.is_dir() else package.parent / "pillar.example"


def example_files(root: pathlib.Path) -> list[pathlib.Path]:
    """The tree's pillar files, relative to ``root``."""
    return sorted(path.relative_to(root) for path in root.rglob("*.sls"))


def conflicts(destination: pathlib.Path, files: list[pathlib.Path]) -> list[pathlib.Path]:
    """What is in the way of writing ``files`` under ``destination``: a file (or link) where
    one of them goes, or something other than a directory where a directory must be."""
    directories = {destination, *(destination / f.parent for f in files)}
    taken = {destination / f for f in files}
    blocked = [d for d in directories if d.exists() and not d.is_dir()]
    blocked += [path for path in taken if path.exists() or path.is_symlink()]
    return sorted(blocked)


def write_example(destination: pathlib.Path) -> list[pathlib.Path]:
    """Copies the example tree to ``destination``; returns the files written. Raises
    ``FileExistsError`` naming every path in the way, having written nothing."""
    root = example_root()
    files = example_files(root)
    blocked = conflicts(destination, files)
    if blocked:
        raise FileExistsError(", ".join(str(path) for path in blocked))
    for relative in files:
        target = destination / relative
        target.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        # "x": should a file appear meanwhile, fail rather than overwrite it.
        with open(target, "xb") as out:
            out.write((root / relative).read_bytes())
        target.chmod(FILE_MODE)
    return [destination / relative for relative in files]


def next_steps(destination: pathlib.Path, files: list[pathlib.Path]) -> str:
    """What ``init`` prints: the files written, then the commands to run next."""
    root = shlex.quote(str(destination))
    written = "\n".join(f"  {path.relative_to(destination)}" for path in files)
    return (
        f"Wrote the example pillar ({len(files)} files) to {destination}:\n{written}\n"
        "Next: edit aws_runbook/*.sls to say what AWS should have (top.sls gives them to the "
        "minion id aws-admin, the command's default --id), then\n"
        f"  aws-runbook apply --pillar-root {root} --test    # what would change\n"
        f"  aws-runbook apply --pillar-root {root}           # change it; created credentials "
        "land in private/\n"
    )
