"""The states of a run that write pillar files, found from the declaration on each state's
``present`` (``pillar`` of ``awsrunbook.engine.state``, an ``awsrunbook.layout.Writer``)
through Salt's state loader,
never from a list of state names; and the check, before any AWS call, that no two of them
overwrite each other's values in one file, however each spells the file's path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from awsrunbook import files, layout

if TYPE_CHECKING:
    from awsrunbook.engine import Run


def declared(run: Run) -> dict[str, layout.Writer]:
    """``{state module: Writer}`` for this state's module and every module of the run's low
    state whose ``present`` declares one (found through ``__states__``, as Salt will load it
    anyway)."""
    own = run.function.split(".", 1)[0]
    found = {own: run.declaration.pillar}
    for name in dict.fromkeys(str(chunk.get("state")) for chunk in run.lowstate):
        if name not in found:
            declaration = run.declaration_of({"state": name, "fun": "present"})
            found[name] = declaration.pillar if declaration is not None else None
    return {name: writer for name, writer in found.items() if writer is not None}


def check_no_collision(run: Run, writes: layout.Writes | None) -> None:
    """Refuse, naming ``pillar_keys``, when another state of this run writes the file of
    ``writes`` (one file: ``awsrunbook.files.identity``) where this state does (see
    ``awsrunbook.layout.no_collision``)."""
    if writes is None:
        return
    writers = run.once(
        "pillar_writers",
        lambda lowstate: layout.pillar_writers(lowstate, declared(run), files.identity),
    )
    low = run.low or {}
    me = (low.get("state"), low.get("__id__"))
    layout.no_collision(writers, me, files.identity(writes.pillar_file), writes)


def encryption(
    salt_funcs: Mapping[str, Any], writes: layout.Writes, recipients: Any
) -> tuple[dict[str, Any] | None, list[str]]:
    """How this state call encrypts the secrets it declares (``writes.secrets``): ``(
    pillar_file.encryption_for's answer, the secret paths its file holds in the clear)``,
    ``(None, [])`` when encryption is off; ``recipients``: the state's ``gpg_recipients``.
    Fails, naming the setting, when encryption would not work: call it before any AWS
    call."""
    found = salt_funcs["pillar_file.encryption_for"](
        writes.pillar_file, sorted(writes.secrets), recipients
    )
    if found is None:
        return None, []
    return found, salt_funcs["pillar_file.plaintext_secrets"](writes.pillar_file, found["secrets"])
