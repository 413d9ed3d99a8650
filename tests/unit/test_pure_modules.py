"""Pure is pure: every module of ``_utils/awsrunbook/`` whose docstring's first paragraph calls
it pure imports no AWS SDK, no Salt loader and no concurrency, directly or through another
module; every other module is listed in ``NOT_PURE`` with the reason, so a new module needs a
decision.

Each pure module is imported in a fresh interpreter where ``boto3``, ``botocore`` and
``salt.loader`` cannot be imported at all and no ``awsrunbook`` module may import
``threading`` or ``concurrent.futures`` (the standard library's own use of them, ``logging``'s
locks or ``asyncio``'s executor, is not ours to forbid). A failure names the module and the
chain of imports that reached the forbidden one.
"""

import ast
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "_utils" / "awsrunbook"

# The modules that are not pure, and why.
NOT_PURE = {
    "batch": "the engine: runs states in threads",
    "client": "the engine: boto3 clients and AWS calls",
    "engine": "the engine: the run each state call gets, batches and the read-ahead behind it",
    "files": "resolves pillar file paths on this machine",
    "gpg": "runs the gpg program (#23: encryption of pillar secrets)",
    "readahead": "the engine: reads AWS in threads",
    "regions": "botocore's endpoint data: regions, partitions, endpoints",
    "state": "the engine: runs plans",
    "store": "the engine: what a run remembers, shared by threads (a lock)",
    "writers": "the engine: reads the run's low state",
}

WORD_PURE = re.compile(r"\bpure\b", re.IGNORECASE)

# Run in the child interpreter: block, import, and report the chain on failure.
PROBE = textwrap.dedent(
    """
    import builtins, os, sys, traceback

    NEVER = ("boto3", "botocore", "salt.loader")
    NOT_OURS = ("threading", "concurrent.futures")
    for name in NEVER:
        sys.modules[name] = None
    real_import = builtins.__import__

    def forbidden(name, fromlist):
        wanted = [name] + [f"{name}.{item}" for item in fromlist or ()]
        return [w for w in wanted if w in NOT_OURS]

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        importer = (globals or {}).get("__name__", "")
        if level == 0 and importer.partition(".")[0] == "awsrunbook":
            hit = forbidden(name, fromlist)
            if hit:
                raise ImportError(f"{importer} imports {hit[0]}")
        return real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded
    sys.path.insert(0, sys.argv[2])
    try:
        __import__(sys.argv[1])
    except ImportError as exc:
        chain = [
            frame.filename for frame in traceback.extract_tb(exc.__traceback__)
            if frame.name == "<module>" and not frame.filename.startswith("<")
        ]
        print(" -> ".join(chain + [str(exc)]))
        sys.stdout.flush()
        os._exit(1)
    sys.stdout.flush()
    # threading may be blocked for the interpreter's own shutdown: leave at once.
    os._exit(0)
    """
)


def module_names():
    return sorted(path.stem for path in PACKAGE.glob("*.py"))


def declared_pure(name):
    """Whether the first paragraph of ``name``'s docstring calls it pure."""
    tree = ast.parse((PACKAGE / f"{name}.py").read_text())
    first = (ast.get_docstring(tree) or "").split("\n\n")[0]
    return bool(WORD_PURE.search(first))


PURE = [name for name in module_names() if declared_pure(name)]


def short(path):
    """A path as the report shows it: inside the package, or inside site-packages/stdlib."""
    parts = pathlib.Path(path).parts
    for anchor in (
        "awsrunbook",
        "site-packages",
        f"python{sys.version_info[0]}.{sys.version_info[1]}",
    ):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) + (anchor != "awsrunbook") :])
    return path


def test_every_module_is_declared_pure_or_listed_as_not_pure():
    undecided = set(module_names()) - set(PURE) - set(NOT_PURE)
    assert not undecided, (
        f"say 'pure' in the docstring's first paragraph, or list in NOT_PURE: {sorted(undecided)}"
    )
    both = set(PURE) & set(NOT_PURE)
    assert not both, f"declared pure and listed as not pure: {sorted(both)}"
    gone = set(NOT_PURE) - set(module_names())
    assert not gone, f"NOT_PURE names modules that no longer exist: {sorted(gone)}"


def test_the_plans_module_is_declared_pure():
    """The rule finds the module it was made for (the planners' one import)."""
    assert "plans" in PURE


@pytest.mark.parametrize("name", PURE)
def test_pure_module_imports_no_aws_loader_or_threads(name):
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, f"awsrunbook.{name}", str(PACKAGE.parent)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    chain = " -> ".join(short(part) for part in proc.stdout.strip().split(" -> "))
    assert proc.returncode == 0, (
        f"awsrunbook.{name} is documented as pure, but: {chain}{proc.stderr}"
    )


def test_the_probe_names_the_chain_into_the_engine():
    """The check can fail: the client, imported as a pure module would be, is refused, naming
    the module and what it imports."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, "awsrunbook.client", str(PACKAGE.parent)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith(str(PACKAGE / "client.py"))
    assert re.search(r"\b(threading|concurrent\.futures|boto3|botocore)\b", proc.stdout)
