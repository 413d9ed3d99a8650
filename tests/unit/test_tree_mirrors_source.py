"""Every source file has a test file of its own (issue 22 item 8), so a reader of a module finds
its tests by name and a new module without tests fails here, not in review.

The rule, for each ``.py`` file under ``_modules``, ``_states``, ``_utils`` (subpackages
included) and ``salt_aws_runbook``: some file under ``tests/`` (any tier) is named

- ``test_<stem>.py`` for ``_modules/<stem>.py``, ``_states/<stem>.py`` and
  ``salt_aws_runbook/<stem>.py``;
- ``test_awsrunbook_<X>.py`` for ``_utils/awsrunbook_<X>.py`` and for the package layout
  ``_utils/awsrunbook/<X>.py``, so moving the shared code into one package keeps every test
  file's name.
"""

import ast
import pathlib

import pytest

from tests.conftest import REPO, TESTS

SOURCE_DIRS = ("_modules", "_states", "_utils", "salt_aws_runbook")
UTILS_PREFIX = "awsrunbook_"
# The only source files without a test file of their own: package markers. Each must stay free
# of functions and classes (test_exempt_files_hold_no_code), so nothing is hidden by the list.
EXEMPT = {
    "_modules/__init__.py",  # makes _modules a package for the pip install's entry point
    "_states/__init__.py",  # likewise for _states
    "salt_aws_runbook/__init__.py",  # the distribution's package marker
    "_utils/awsrunbook/__init__.py",  # the shared code's package (issue 22 item 6), once it lands
}


def source_files(repo=REPO):
    """Every ``.py`` file of the source tree, as a path relative to ``repo``."""
    return sorted(
        path.relative_to(repo).as_posix()
        for directory in SOURCE_DIRS
        for path in (repo / directory).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def expected_test_name(source):
    """The name of the test file ``source`` (relative to the repository) must have."""
    path = pathlib.PurePosixPath(source)
    if path.parts[0] == "_utils" and len(path.parts) > 2:
        # _utils/awsrunbook/X.py (and deeper): the module's name with the package's prefix.
        return f"test_{UTILS_PREFIX}{path.stem}.py"
    return f"test_{path.stem}.py"


def untested(sources, test_names):
    return [
        f"{source}: no tests/**/{expected_test_name(source)}"
        for source in sources
        if source not in EXEMPT and expected_test_name(source) not in test_names
    ]


def test_every_source_file_has_a_test_file_of_its_own():
    test_names = {path.name for path in TESTS.rglob("test_*.py")}
    missing = untested(source_files(), test_names)
    assert not missing, "source files without a test file:\n" + "\n".join(missing)


@pytest.mark.parametrize("source", sorted(EXEMPT))
def test_exempt_files_hold_no_code(source):
    path = REPO / source
    if not path.exists():
        pytest.skip(f"{source} does not exist (yet)")
    tree = ast.parse(path.read_text())
    defined = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    assert defined == [], f"{source} defines {defined}: give it a test file and drop it from EXEMPT"


@pytest.mark.parametrize(
    ("source", "test_name"),
    [
        ("_modules/aws_s3.py", "test_aws_s3.py"),
        ("_states/dns_record.py", "test_dns_record.py"),
        ("_utils/awsrunbook/arn.py", "test_awsrunbook_arn.py"),
        ("_utils/awsrunbook/engine/run.py", "test_awsrunbook_run.py"),
        ("salt_aws_runbook/loader.py", "test_loader.py"),
    ],
)
def test_the_name_rule(source, test_name):
    assert expected_test_name(source) == test_name


def test_a_module_in_a_subpackage_without_tests_is_named(tmp_path):
    for relative in (
        "_modules/__init__.py",
        "_modules/aws_s3.py",
        "_states/__init__.py",
        "_utils/awsrunbook/__init__.py",
        "_utils/awsrunbook/arn.py",
        "_utils/awsrunbook/state.py",
        "salt_aws_runbook/loader.py",
    ):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("")
    (tmp_path / "_utils" / "awsrunbook" / "__pycache__").mkdir()
    (tmp_path / "_utils" / "awsrunbook" / "__pycache__" / "arn.py").write_text("")
    tests = {"test_aws_s3.py", "test_awsrunbook_arn.py"}
    assert untested(source_files(tmp_path), tests) == [
        "_utils/awsrunbook/state.py: no tests/**/test_awsrunbook_state.py",
        "salt_aws_runbook/loader.py: no tests/**/test_loader.py",
    ]
