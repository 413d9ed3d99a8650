"""The states of a run that write pillar files, found from the declaration beside each state
(its module's ``PILLAR_WRITES``, an ``awsrunbook.layout.Writer``) through Salt's state loader,
never from a list of state names; and the check, before any AWS call, that no two of them
overwrite each other's values in one file, however each spells the file's path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awsrunbook import files, layout, readahead
from awsrunbook import state as st


def declared(state_globals: Mapping[str, Any]) -> dict[str, layout.Writer]:
    """``{state module: Writer}`` for this state's module and every module of the run's low
    state that declares one (loaded through ``__states__``, as Salt will load it anyway)."""
    own = state_globals["__virtualname__"]
    found = {own: layout.declaration(state_globals)}
    loader = state_globals.get("__states__")
    lowstate = readahead.injected(state_globals).get("__lowstate__") or ()
    for name in dict.fromkeys(chunk.get("state") for chunk in lowstate):
        if name in found or loader is None or f"{name}.present" not in loader:
            continue
        writer = layout.declaration(getattr(loader[f"{name}.present"], "__globals__", {}))
        if writer is not None:
            found[name] = writer
    return {name: writer for name, writer in found.items() if writer is not None}


def check_no_collision(state_globals: Mapping[str, Any], writes: layout.Writes | None) -> None:
    """Refuse, naming ``pillar_keys``, when another state of this run writes the file of
    ``writes`` (one file: ``awsrunbook.files.identity``) where this state does (see
    ``awsrunbook.layout.no_collision``)."""
    if writes is None:
        return
    writers = st.once_per_run(
        state_globals,
        "pillar_writers",
        lambda lowstate: layout.pillar_writers(lowstate, declared(state_globals), files.identity),
    )
    low = st.low(state_globals) or {}
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
