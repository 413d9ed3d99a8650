"""Why ``aws-runbook apply`` would run no state, found before salt-call runs (so no AWS call).

salt-call given a minion id its pillar top file does not know, or a pillar without
``aws_runbook``, renders the SLS tree to nothing and prints ``Total states run: 0`` with no
word why. ``read_pillar`` renders the pillar for the id as salt-call will (Salt's own pillar
compilation, with the same minion config and grains); ``no_state_reason`` (pure) says what is
missing in one line.
"""

import dataclasses
import logging
import pathlib

from awsrunbook import pillarschema

SLS_ROOT = "aws_runbook"
TOP_FILE = "top.sls"


@dataclasses.dataclass(frozen=True)
class PillarView:
    """What the check needs of a minion's pillar: names only, never a value (pillar holds
    credentials)."""

    top_file: pathlib.Path
    top_file_exists: bool
    targets: tuple[str, ...]  # the top file's targets, every saltenv
    matched_sls: tuple[str, ...]  # the pillar SLS the top file gives this minion
    keys: frozenset[str]  # the pillar's top-level keys
    sections: frozenset[str] | None  # the keys under aws_runbook, None without a mapping there
    has_errors: bool  # the top file or a pillar SLS failed to render: salt-call says so itself


def read_pillar(config_file: pathlib.Path, pillar_root: pathlib.Path) -> PillarView:
    """Renders the pillar of the minion ``config_file`` configures, with Salt's pillar
    compilation (the same API on Salt 3006, 3007 and 3008)."""
    # Silent: an error rendering the pillar is salt-call's to report (it renders it again),
    # not to be logged twice.
    logging.disable(logging.CRITICAL)
    try:
        return _read_pillar(config_file, pillar_root)
    finally:
        logging.disable(logging.NOTSET)


def _read_pillar(config_file, pillar_root):
    # Imported here: the other commands (init, config, --version) need no Salt loader.
    import salt.config
    import salt.loader
    import salt.pillar

    opts = salt.config.minion_config(str(config_file))
    # Grains, as salt-call loads them: a top file may target by grain.
    opts["grains"] = salt.loader.grains(opts)
    pillar = salt.pillar.get_pillar(
        opts,
        opts["grains"],
        opts["id"],
        saltenv=opts.get("saltenv"),
        pillarenv=opts.get("pillarenv"),
    )
    try:
        top, top_errors = pillar.get_top()
        matched = pillar.top_matches(top)
        compiled = pillar.compile_pillar() if matched else {}
    finally:
        pillar.destroy()
    section = compiled.get(SLS_ROOT)
    top_file = pillar_root / TOP_FILE
    return PillarView(
        top_file=top_file,
        top_file_exists=top_file.is_file(),
        targets=tuple(str(target) for body in top.values() for target in body),
        matched_sls=tuple(sls for found in matched.values() for sls in found),
        keys=frozenset(compiled) - {"_errors"},
        sections=frozenset(section) if isinstance(section, dict) else None,
        has_errors=bool(top_errors or compiled.get("_errors")),
    )


def known_sections() -> frozenset[str]:
    """The pillar sections the SLS tree applies, as the pillar schema declares them (those with
    state groups): aws_runbook/<section>.sls reads aws_runbook:<section>
    (tests/unit/cli/test_cli_pillar_check.py holds the tree to that)."""
    return frozenset(name for name, section in pillarschema.SECTIONS.items() if "groups" in section)


def sections_applied(sls: str, known: frozenset[str]) -> frozenset[str] | None:
    """The sections an ``--sls`` value (one SLS or a comma-separated list) applies, or None
    when it names one outside the tree (salt-call reports that itself)."""
    applied: set[str] = set()
    for name in (part.strip() for part in sls.split(",")):
        section = name.removeprefix(f"{SLS_ROOT}.")
        if name == SLS_ROOT:
            applied |= known
        elif name.startswith(f"{SLS_ROOT}.") and section in known:
            applied.add(section)
        else:
            return None
    return frozenset(applied)


def _no_pillar(view: PillarView, minion_id: str) -> str:
    where = f"no pillar for minion id {minion_id!r}"
    if not view.top_file_exists:
        return (
            f"{where}: the top file {view.top_file} does not exist "
            "(`aws-runbook init PATH` writes an example pillar tree)"
        )
    if not view.targets:
        return f"{where}: the top file {view.top_file} has no target"
    return (
        f"{where}: no target in the top file {view.top_file} matches it "
        f"(its targets: {', '.join(view.targets)}); pass --id, or add the id to the top file"
    )


def no_state_reason(view: PillarView, minion_id: str, applied: frozenset[str] | None) -> str | None:
    """Why applying ``applied`` (the sections the --sls applies; None: unknown) to a minion of
    this pillar would run no state, in one line; None when states would run, or when the
    pillar failed to render (salt-call reports that error itself)."""
    if view.has_errors:
        return None
    if not view.matched_sls:
        return _no_pillar(view, minion_id)
    if view.sections is None:
        has = f"its keys: {', '.join(sorted(view.keys))}" if view.keys else "it is empty"
        return (
            f"the pillar of minion id {minion_id!r} has no {SLS_ROOT} key ({has}; "
            f"from {', '.join(view.matched_sls)} in {view.top_file}): nothing to apply"
        )
    if applied is not None and not applied & view.sections:
        has = ", ".join(sorted(view.sections)) or "nothing"
        return (
            f"the {SLS_ROOT} pillar of minion id {minion_id!r} has none of the sections the "
            f"SLS applies ({', '.join(sorted(applied))}); it has: {has}"
        )
    return None
