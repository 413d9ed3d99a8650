"""Writes the reference pages (one per state, one per execution module, one for the shared
utils) from the source tree each time Sphinx starts, so a new module needs no registration.

Pages go to ``docs/reference/`` (git-ignored). The source files are read with ``ast``, not
imported: which functions a page lists is decided here, autodoc renders them.

- a **state function** is a public function of a ``_states`` module whose first argument is
  ``name`` and which takes ``**kwargs`` (Salt's calling convention for states; the connection
  arguments arrive in ``kwargs``). Other public functions of a state module (pure planners)
  are not listed: they are not meant to be called from SLS.
- an **execution function** is any public function of a ``_modules`` module (Salt exposes
  each one on the command line as ``salt-call MODULE.FUNCTION``).

Nothing here imports Sphinx at module level, so the unit tests can use it without the docs
extra installed.
"""

import ast
import pathlib

OUTPUT_DIR = "reference"


def _functions(tree):
    return [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and not node.name.startswith("_")
    ]


def _virtualname(tree, default):
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["__virtualname__"]
            and isinstance(node.value, ast.Constant)
        ):
            return node.value.value
    return default


def is_state_function(func):
    positional = [*func.args.posonlyargs, *func.args.args]
    return bool(positional) and positional[0].arg == "name" and func.args.kwarg is not None


def source_modules(folder):
    """``(import name, Salt name, parsed tree)`` for every loader module in ``folder``."""
    found = []
    for path in sorted(pathlib.Path(folder).glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found.append((path.stem, _virtualname(tree, path.stem), tree))
    return found


def package_modules(folder):
    """``(import name, Salt name, parsed tree)`` for every module of the package ``folder``."""
    return [(f"{folder.name}.{name}", *rest) for name, *rest in source_modules(folder)]


def _title(text):
    return f"{text}\n{'=' * len(text)}\n"


def state_page(module, salt_name, tree):
    lines = [_title(salt_name), f".. automodule:: {module}\n", "State functions", "-" * 15, ""]
    names = [func.name for func in _functions(tree) if is_state_function(func)]
    lines += [f".. autofunction:: {module}.{name}\n" for name in names]
    return "\n".join(lines)


def module_page(module, salt_name, tree):
    lines = [_title(salt_name), f".. automodule:: {module}\n", "Functions", "-" * 9, ""]
    lines += [f".. autofunction:: {module}.{func.name}\n" for func in _functions(tree)]
    return "\n".join(lines)


def utils_page(modules):
    lines = [
        _title("Shared utils"),
        "Pure domain code and plumbing in ``_utils/``, imported directly by states and execution",
        "modules (``from awsrunbook import state as st``).\n",
    ]
    for module, _salt_name, _tree in modules:
        lines += [module, "-" * len(module), "", f".. automodule:: {module}", "   :members:\n"]
    return "\n".join(lines)


def index_page(title, folder, modules):
    lines = [_title(title), ".. toctree::", "   :maxdepth: 1", ""]
    lines += [f"   {folder}/{module}" for module, _salt_name, _tree in modules]
    return "\n".join(lines) + "\n"


def reference_pages(repo):
    """``{relative path: page text}`` for every reference page."""
    repo = pathlib.Path(repo)
    states = source_modules(repo / "_states")
    modules = source_modules(repo / "_modules")
    clashes = {m for m, _s, _t in states} & {m for m, _s, _t in modules}
    if clashes:
        # Both folders go on sys.path as top-level modules, so one would shadow the other.
        raise ValueError(f"a state and an execution module share a file name: {sorted(clashes)}")
    pages = {"utils.rst": utils_page(package_modules(repo / "_utils" / "awsrunbook"))}
    pages["states.rst"] = index_page("States", "states", states)
    pages["modules.rst"] = index_page("Execution modules", "modules", modules)
    pages |= {f"states/{m}.rst": state_page(m, s, t) for m, s, t in states}
    pages |= {f"modules/{m}.rst": module_page(m, s, t) for m, s, t in modules}
    return pages


def write_pages(out_dir, pages):
    """Write ``pages`` under ``out_dir``, leave unchanged files alone (Sphinx rebuilds by
    mtime) and delete pages whose module is gone."""
    out_dir = pathlib.Path(out_dir)
    for existing in out_dir.rglob("*.rst") if out_dir.exists() else ():
        if existing.relative_to(out_dir).as_posix() not in pages:
            existing.unlink()
    for relative, text in pages.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def _generate(app):
    from sphinx.errors import ExtensionError  # not at the top: see the module docstring

    try:
        pages = reference_pages(app.config.saltext_repo)
    except ValueError as exc:
        raise ExtensionError(str(exc)) from None
    write_pages(pathlib.Path(app.srcdir) / OUTPUT_DIR, pages)


def setup(app):
    app.add_config_value("saltext_repo", None, "env")
    app.connect("builder-inited", _generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
