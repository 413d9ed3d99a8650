"""The docs site: its page generator (docs/_ext/saltext_reference.py: which functions a state's
or an execution module's page lists, pages that follow the source tree without registration,
signatures that show default values), its layout (every page in the index's toctree, every
state's reference page linked from the index) and README as its front door (the two commands
first, under 300 lines, links that resolve). The whole build (Sphinx, warnings as errors)
runs in CI: scripts/docs."""

import importlib.util
import os
import re
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


# The site's layout: the topic pages in docs/, the index over them, README as the front door.

DOCS = REPO / "docs"
# Pages the extension writes under docs/reference/ at build time (reference_pages' index pages).
GENERATED = {"reference/states", "reference/modules", "reference/utils"}
README_MAX_LINES = 300


def _toctree_entries(rst):
    """The documents every ``.. toctree::`` of ``rst`` lists (its options skipped)."""
    entries, in_toctree = [], False
    for line in rst.splitlines():
        if line.startswith(".. toctree::"):
            in_toctree = True
        elif in_toctree and line.startswith("   ") and not line.strip().startswith(":"):
            entries.append(line.strip())
        elif in_toctree and line.strip() and not line.startswith("   "):
            in_toctree = False
    return entries


def _doc_links(rst):
    """The targets of every ``:doc:`` role: ``:doc:`page``` and ``:doc:`title <page>```."""
    return {
        target.rsplit("<", 1)[-1].rstrip(">").strip()
        for target in re.findall(r":doc:`([^`]+)`", rst)
    }


def _fenced_blocks(markdown):
    """``(opening fence line index, block lines)`` for each fenced code block."""
    blocks, start = [], None
    lines = markdown.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("```"):
            if start is None:
                start = number
            else:
                blocks.append((start, lines[start + 1 : number]))
                start = None
    return blocks


def test_toctree_helpers_read_entries_and_links():
    rst = textwrap.dedent(
        """\
        See :doc:`install` and :doc:`the state <reference/states/thing>`.

        .. toctree::
           :maxdepth: 2
           :caption: Using it

           install
           reference/states

        After the tree, not an entry.
        """
    )

    assert _toctree_entries(rst) == ["install", "reference/states"]
    assert _doc_links(rst) == {"install", "reference/states/thing"}


def test_the_index_toctree_lists_every_page_and_only_pages_that_exist():
    pages = {path.stem for path in DOCS.glob("*.rst")} - {"index"}
    entries = _toctree_entries((DOCS / "index.rst").read_text(encoding="utf-8"))

    assert sorted(pages - set(entries)) == [], "pages missing from index.rst's toctree"
    assert sorted(set(entries) - pages - GENERATED) == [], "toctree entries without a page"
    assert len(entries) == len(set(entries)), "a page listed twice"


def test_the_docs_do_not_defer_to_the_readme():
    # README is the front door; what an operator needs to know lives in these pages.
    pages = {path.name: path.read_text(encoding="utf-8") for path in DOCS.glob("*.rst")}

    # (changes/README.md, the fragments' how-to, is another file.)
    deferring = [name for name, text in pages.items() if re.search(r"(?<![/\w])README", text)]
    assert deferring == []


def test_every_page_the_index_links_exists():
    links = _doc_links((DOCS / "index.rst").read_text(encoding="utf-8"))
    generated = {
        f"reference/{page.removesuffix('.rst')}" for page in reference.reference_pages(REPO)
    }

    missing = [
        link for link in links if not (DOCS / f"{link}.rst").exists() and link not in generated
    ]
    assert missing == []


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (REPO / "_states").glob("*.py") if not p.name.startswith("_")),
    ids=lambda p: p.stem,
)
def test_every_state_has_a_reference_page_linked_from_the_index(path):
    links = _doc_links((DOCS / "index.rst").read_text(encoding="utf-8"))

    assert f"states/{path.stem}.rst" in reference.reference_pages(REPO)
    assert f"reference/states/{path.stem}" in links


def test_readme_starts_with_the_two_commands_and_stays_short():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    lines = readme.splitlines()
    start, first_block = _fenced_blocks(readme)[0]
    commands = [line.split("#")[0].strip() for line in first_block if line.strip()]

    # A tool runs README's first code block on a fresh machine: nothing but the title before it.
    assert [line for line in lines[:start] if line.strip()] == ["# salt-aws-runbook"]
    assert lines[start] == "```sh"
    assert commands == ["scripts/demo", "scripts/test"]
    assert len(lines) < README_MAX_LINES


def test_readme_relative_links_resolve():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)\)", readme)
    relative = [target for target in targets if "://" not in target]

    assert relative, "README links into the docs"
    assert [target for target in relative if not (REPO / target).exists()] == []
    assert {"docs/install.rst", "docs/getting-started.rst", "docs/index.rst"} <= set(relative)


DEFAULTS_SOURCE = '''
"""A state whose defaults are expressions."""

RULE_DEFAULTS = {"expire_days": 30}
DEFAULT_RULE_NAME = "delete-after-30-days"


def present(name, expire_days=RULE_DEFAULTS["expire_days"], rule_name=DEFAULT_RULE_NAME, **kwargs):
    """Ensure it."""
'''


def test_signatures_show_default_values_not_the_expressions(tmp_path, monkeypatch):
    from sphinx.application import Sphinx  # the docs extra: in the locked test environment

    (tmp_path / "tree").mkdir()
    tree = _tree(tmp_path / "tree", states={"defaults_probe.py": DEFAULTS_SOURCE})
    monkeypatch.syspath_prepend(str(tree / "_states"))
    source = tmp_path / "source"
    source.mkdir()
    toctree = "".join(f"   {page}\n" for page in sorted(GENERATED))
    (source / "index.rst").write_text(f"Probe\n=====\n\n.. toctree::\n\n{toctree}")

    # docs/conf.py itself, with the tree above as the source to generate pages from.
    app = Sphinx(
        srcdir=str(source),
        confdir=str(DOCS),
        outdir=str(tmp_path / "out"),
        doctreedir=str(tmp_path / "doctrees"),
        buildername="text",
        confoverrides={"saltext_repo": str(tree)},
        status=None,
        warningiserror=True,
    )
    app.build()

    page = (tmp_path / "out" / "reference" / "states" / "defaults_probe.txt").read_text()
    assert "expire_days=30" in page
    assert "rule_name='delete-after-30-days'" in page
    assert "RULE_DEFAULTS" not in page and "DEFAULT_RULE_NAME" not in page
