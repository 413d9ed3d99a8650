"""The docs site's page generator (docs/_ext/saltext_reference.py): which functions a state's
or an execution module's page lists, and that pages follow the source tree without
registration. The build itself (Sphinx, warnings as errors) runs in CI: scripts/docs."""

import importlib.util
import os
import textwrap

import pytest

from tests.conftest import REPO

_spec = importlib.util.spec_from_file_location(
    "saltext_reference", REPO / "docs" / "_ext" / "saltext_reference.py"
)
reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)

STATE_SOURCE = '''
"""A state."""

__virtualname__ = "thing_state"


def __virtual__():
    return __virtualname__


def plan_thing(name, current):
    return []


def present(name, size=None, **kwargs):
    """Ensure it."""


def _helper(name, **kwargs):
    pass


def absent(name, **kwargs):
    """Remove it."""
'''

MODULE_SOURCE = '''
"""A module."""


def _client(kwargs):
    pass


def describe_thing(name, **kwargs):
    """Read it."""


def delete_thing(name):
    pass
'''


def _tree(tmp_path, states=None, modules=None):
    for folder, files in (("_states", states or {}), ("_modules", modules or {}), ("_utils", {})):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text("")
        for name, source in files.items():
            (tmp_path / folder / name).write_text(textwrap.dedent(source))
    return tmp_path


def _directives(page, directive):
    return [line.split("::")[1].strip() for line in page.splitlines() if directive in line]


def test_state_page_lists_state_functions_in_source_order(tmp_path):
    pages = reference.reference_pages(_tree(tmp_path, states={"thing.py": STATE_SOURCE}))

    page = pages["states/thing.rst"]
    assert page.startswith("thing_state\n===========\n")
    assert _directives(page, "automodule") == ["thing"]
    assert _directives(page, "autofunction") == ["thing.present", "thing.absent"]
    assert "   states/thing" in pages["states.rst"]


def test_module_page_lists_every_public_function(tmp_path):
    pages = reference.reference_pages(_tree(tmp_path, modules={"aws_thing.py": MODULE_SOURCE}))

    page = pages["modules/aws_thing.rst"]
    assert _directives(page, "autofunction") == [
        "aws_thing.describe_thing",
        "aws_thing.delete_thing",
    ]
    assert "   modules/aws_thing" in pages["modules.rst"]


def test_a_state_and_a_module_of_the_same_file_name_are_refused(tmp_path):
    tree = _tree(tmp_path, states={"thing.py": STATE_SOURCE}, modules={"thing.py": MODULE_SOURCE})

    with pytest.raises(ValueError, match=r"share a file name: \['thing'\]"):
        reference.reference_pages(tree)


def test_pages_of_removed_modules_go_and_unchanged_pages_are_not_rewritten(tmp_path):
    out = tmp_path / "reference"
    reference.write_pages(out, {"states/old.rst": "old", "states/kept.rst": "kept"})
    os.utime(out / "states" / "kept.rst", (0, 0))

    reference.write_pages(out, {"states/kept.rst": "kept", "states/new.rst": "new"})

    assert sorted(p.name for p in (out / "states").iterdir()) == ["kept.rst", "new.rst"]
    assert (out / "states" / "kept.rst").stat().st_mtime == 0


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (REPO / "_states").glob("*.py") if not p.name.startswith("_")),
    ids=lambda p: p.stem,
)
def test_every_state_in_the_tree_has_a_page_with_its_state_functions(path):
    page = reference.reference_pages(REPO)[f"states/{path.stem}.rst"]

    assert _directives(page, "autofunction"), f"no state function found in {path.name}"
