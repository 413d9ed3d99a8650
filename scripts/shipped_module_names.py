#!/usr/bin/env python3
"""Record the execution and state module names that Salt and saltext-boto3 ship, so a test
can fail when one of ours takes one of them (a custom module shadows Salt's of the same name
for every Salt process it is synced to or installed in).

For each release (the Salt line of each lock in locks/, and saltext-boto3) it downloads the
release with ``pip download --no-deps`` into a temporary directory, reads its
``modules``/``states`` packages without installing them, and writes the names to
tests/fixtures/salt/shipped_module_names.json. A module's names are its file name and its
``__virtualname__`` (the name Salt loads it under). Run it after a lock moves to another
release, review the diff, commit it:

    .venv/bin/python scripts/shipped_module_names.py
"""

import json
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile

REPO = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = REPO / "tests" / "fixtures" / "salt" / "shipped_module_names.json"
SALTEXT_BOTO3 = "saltext-boto3==1.2.0"
# Where each distribution keeps its loader packages, by kind.
PACKAGE_DIRS = {
    "salt": {"modules": "salt/modules/", "states": "salt/states/"},
    "saltext-boto3": {"modules": "saltext/boto3/modules/", "states": "saltext/boto3/states/"},
}
VIRTUALNAME_RE = re.compile(r"^__virtualname__\s*=\s*[\"']([\w.]+)[\"']", re.MULTILINE)


def locked_salt_releases():
    """``salt==VERSION`` of every lock."""
    return sorted(
        line.strip()
        for lock in sorted((REPO / "locks").glob("salt*.txt"))
        for line in lock.read_text().splitlines()
        if line.startswith("salt==")
    )


def members(archive):
    """``(path inside the distribution, text)`` of every Python file of ``archive``."""
    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as whl:
            for name in whl.namelist():
                if name.endswith(".py"):
                    yield name, whl.read(name).decode("utf-8", "replace")
        return
    with tarfile.open(archive) as sdist:
        for member in sdist.getmembers():
            if member.isfile() and member.name.endswith(".py"):
                # Drop the sdist's top directory (salt-3007.15/).
                inner = member.name.split("/", 1)[1] if "/" in member.name else member.name
                yield inner, sdist.extractfile(member).read().decode("utf-8", "replace")


def module_names(archive, dirs):
    """``{kind: sorted names}`` of the loader modules in ``archive``."""
    found = {kind: set() for kind in dirs}
    for path, text in members(archive):
        for kind, prefix in dirs.items():
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix) :]
            stem = rest.split("/", 1)[0].removesuffix(".py")
            if stem.startswith("_") and rest != f"{stem}/__init__.py":
                continue
            if "/" in rest and not rest.endswith("/__init__.py"):
                continue  # a helper inside a package module
            found[kind].add(stem)
            found[kind].update(VIRTUALNAME_RE.findall(text))
    return {kind: sorted(names - {"__init__"}) for kind, names in found.items()}


def download(requirement, into):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(into), requirement],
        check=True,
    )
    name = requirement.split("==")[0].replace("-", "_").lower()
    version = requirement.split("==")[1]
    (archive,) = [
        path
        for path in into.iterdir()
        if path.name.replace("-", "_").lower().startswith(f"{name}_{version}")
        or path.name.lower().startswith(f"{name}-{version}")
    ]
    return archive


def main():
    recorded = {}
    with tempfile.TemporaryDirectory() as tmp:
        for requirement in [*locked_salt_releases(), SALTEXT_BOTO3]:
            where = pathlib.Path(tmp) / requirement
            where.mkdir()
            archive = download(requirement, where)
            dist = requirement.split("==")[0]
            recorded[requirement] = module_names(archive, PACKAGE_DIRS[dist])
            counts = {kind: len(names) for kind, names in recorded[requirement].items()}
            print(f"{requirement}: {counts}")
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
