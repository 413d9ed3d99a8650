"""``awsrunbook.typing`` declares what Salt's loader injects, for type checkers only: no loader
module imports it at run time (Salt does not sync it as a dependency of anything, and it would
shadow nothing useful), and it declares every name the modules import from it."""

import ast

import pytest

from tests.conftest import REPO

# Today's module, or its place in the package the shared code is moving to (issue 22 item 6).
TYPING = REPO / "_utils" / "awsrunbook" / "typing.py"
TYPING_NAMES = ("awsrunbook.typing",)
LOADER_DIRS = ("_modules", "_states", "_utils")


def declared():
    tree = ast.parse(TYPING.read_text())
    return {node.target.id for node in tree.body if isinstance(node, ast.AnnAssign)}


def _is_type_checking(node):
    return isinstance(node, ast.If) and ast.unparse(node.test) in (
        "TYPE_CHECKING",
        "typing.TYPE_CHECKING",
    )


def typing_imports(path):
    """``(line, names, under TYPE_CHECKING)`` for each import of awsrunbook.typing in ``path``."""
    tree = ast.parse(path.read_text())
    guarded = {
        id(inner)
        for node in ast.walk(tree)
        if _is_type_checking(node)
        for child in node.body
        for inner in ast.walk(child)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in TYPING_NAMES:
            found.append((node.lineno, [alias.name for alias in node.names], id(node) in guarded))
        elif isinstance(node, ast.Import) and any(
            alias.name in TYPING_NAMES for alias in node.names
        ):
            found.append((node.lineno, ["*"], id(node) in guarded))
    return sorted(found)


def loader_modules():
    return sorted(
        path
        for directory in LOADER_DIRS
        for path in (REPO / directory).rglob("*.py")
        if path != TYPING
    )


def test_it_declares_what_salt_injects():
    assert {"__salt__", "__opts__", "__context__", "__pillar__"} <= declared()


def test_it_imports_only_the_standard_librarys_typing():
    tree = ast.parse(TYPING.read_text())
    modules = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert modules <= {"collections.abc", "typing"}, modules


@pytest.mark.parametrize("path", loader_modules(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_modules_import_it_for_type_checkers_only_and_only_declared_names(path):
    names = declared()
    for line, imported, guarded in typing_imports(path):
        where = f"{path.relative_to(REPO)}:{line}"
        assert guarded, f"{where} imports awsrunbook.typing at run time"
        assert set(imported) <= names, f"{where} imports {set(imported) - names}, not declared"


def test_the_check_sees_an_unguarded_import(tmp_path):
    module = tmp_path / "mod.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from awsrunbook.typing import __salt__\n"
        "from awsrunbook.typing import __opts__\n"
    )
    assert typing_imports(module) == [(3, ["__salt__"], True), (4, ["__opts__"], False)]
