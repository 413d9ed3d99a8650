"""Access keys whose secret lives in a pillar file: the plan, as steps of the one engine.

Shared by every state that gives a server an IAM user's credentials (``iam_backup_user``,
``ses_smtp_user``). The rules:

- the pillar file names the key in use; if that key is active on the user and the file
  holds its secret, nothing changes (unless it is older than ``rotate_after_days``);
- otherwise a new key is created and written; the key it replaces is deleted only after the
  file has been written, so the pillar never points at a deleted key; a new key whose write
  fails is deleted again (the create step's ``undo``), so no key outlives its secret;
- keys the pillar does not reference are reported, and deleted with ``prune_keys``;
- IAM allows two keys per user: when there is no room, the state says so before any write.

Pure: the state passes in what it read and the current time.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any, TypedDict

import awsrunbook_layout as layout
import awsrunbook_ses as ses
import awsrunbook_state as st
from salt.exceptions import CommandExecutionError

IAM_KEY_LIMIT = 2
NEW_KEY = "new_access_key"


class PillarKey(TypedDict):
    """The pillar side of a user's key: where it goes, and what the file holds now."""

    pillar_file: str
    id_paths: list[str]  # paths that get the access key ID
    secret_paths: dict[str, str]  # {path: "secret" | "smtp_password:REGION"}
    secret_label: str  # how `changes` names what the file gets
    values_wanted: dict[str, Any]  # non-secret {path: value} it should hold (region, host...)
    values_now: dict[str, Any]  # what the file holds at those paths (secrets: present or not)
    key_id: str | None  # the key the file names (one ID at every id path, else None)
    complete: bool  # the file holds that key's secret (or what derives from it) everywhere


class Rotation(TypedDict):
    rotate_after_days: int | None
    prune_keys: bool
    now: datetime.datetime


def rotation(rotate_after_days, prune_keys, now=None) -> Rotation:
    """The key policy of a state, at ``now`` (default: the current time)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return Rotation(rotate_after_days=rotate_after_days, prune_keys=prune_keys, now=now)


def pillar_key(pillar_file, id_paths, secret_paths, values_wanted, values_now) -> PillarKey:
    """The pillar side of a key, from what ``pillar_file.read`` found at every path
    (``values_now``): the key the file names is the one ID every id path holds; the file is
    complete when every secret path holds something too. ``changes`` calls what the file
    gets ``secret_access_key``, or ``smtp_password`` when it only gets SMTP passwords."""
    ids = {values_now.get(path) for path in id_paths}
    key_id = ids.pop() if len(ids) == 1 else None
    kinds = {what.partition(":")[0] for what in secret_paths.values()}
    return PillarKey(
        pillar_file=pillar_file,
        id_paths=list(id_paths),
        secret_paths=dict(secret_paths),
        secret_label="smtp_password" if kinds == {"smtp_password"} else "secret_access_key",
        values_wanted=dict(values_wanted),
        values_now=values_now,
        key_id=key_id,
        complete=bool(key_id) and all(values_now.get(path) for path in secret_paths),
    )


class KeyPlan(TypedDict):
    pillar_key_id: str | None
    create: bool
    reason: str | None
    delete_before: list[str]
    replaces: str | None
    delete_after: list[str]
    unreferenced: list[str]
    error: str | None


def _new_key_reason(referenced, pillar_key_id, pillar_has_secret, now, rotate_after_days):
    if not pillar_key_id:
        return "the pillar file holds no access key"
    if referenced is None:
        return f"the pillar file's key {pillar_key_id} no longer exists"
    if referenced["Status"] != "Active":
        return f"the pillar file's key {pillar_key_id} is inactive"
    if not pillar_has_secret:
        return f"the pillar file has key {pillar_key_id} but not its secret"
    age = (now - referenced["CreateDate"]).days
    if rotate_after_days and age >= rotate_after_days:
        return f"key {pillar_key_id} is {age} days old (rotate_after_days: {rotate_after_days})"
    return None


def plan_access_key(
    user_keys, pillar_key_id, pillar_has_secret, now, rotate_after_days, prune
) -> KeyPlan:
    """Decide what to do with a user's access keys.

    ``user_keys``: ``[{"AccessKeyId", "Status", "CreateDate"}]`` as IAM lists them.
    Returns: ``create`` a new key (because of ``reason``) after deleting ``delete_before``
    (to make room); then delete ``replaces`` (the key the pillar used) and ``delete_after``
    (unused keys, with ``prune``). ``unreferenced`` lists the keys the pillar does not use;
    ``error`` is set when there is no room for a needed key.
    """
    by_id = {key["AccessKeyId"]: key for key in user_keys}
    referenced = by_id.get(pillar_key_id) if pillar_key_id else None
    unreferenced = sorted(key_id for key_id in by_id if key_id != pillar_key_id)
    reason = _new_key_reason(referenced, pillar_key_id, pillar_has_secret, now, rotate_after_days)
    create = reason is not None
    plan: KeyPlan = {
        "pillar_key_id": pillar_key_id,
        "create": create,
        "reason": reason,
        "delete_before": unreferenced if (prune and create) else [],
        "replaces": pillar_key_id if (create and referenced is not None) else None,
        "delete_after": unreferenced if (prune and not create) else [],
        "unreferenced": unreferenced,
        "error": None,
    }
    if create and len(by_id) - len(plan["delete_before"]) >= IAM_KEY_LIMIT:
        plan["error"] = (
            f"a new access key is needed ({reason}), but the user already has "
            f"{IAM_KEY_LIMIT} keys ({', '.join(sorted(by_id))}), IAM's limit; set "
            "prune_keys: true to delete the keys the pillar file does not use, or delete one"
        )
    return plan


def secret_value(secret: str, what: str) -> str:
    """What a pillar path gets from a new key's secret: the secret itself (``secret``) or the
    SES SMTP password derived from it (``smtp_password:REGION``)."""
    kind, _, region = what.partition(":")
    if what == "secret":
        return secret
    if kind == "smtp_password" and region:
        return ses.smtp_password(secret, region)
    raise CommandExecutionError(
        f"unknown secret kind {what!r}: use 'secret' or 'smtp_password:REGION'"
    )


def pillar_values(id_paths, secret_paths, values, created) -> dict[str, Any]:
    """Everything the pillar file gets for the new key ``created`` (``aws_iam.create_access_key``'s
    answer) in one write: its ID, its secret or what derives from it, and ``values``."""
    to_write = dict.fromkeys(id_paths, created["access_key_id"])
    for path, what in secret_paths.items():
        to_write[path] = secret_value(created["secret"].value, what)
    to_write.update(values)
    return to_write


def _new_key_id(created):
    return created["access_key_id"]


def _delete_steps(user, key_ids, deleted):
    return [
        st.step(
            "deleted_access_keys", deleted, [], "aws_iam.delete_access_key", user=user, key_id=k
        )
        for k in key_ids
    ]


def key_steps(plan: KeyPlan, user: str, key: PillarKey, known_keys) -> list[st.Step]:
    """The steps carrying out ``plan``: make room, create the key, write it with the
    pillar's values (closing the create's undo), then delete the key it replaces."""
    deleted = sorted(plan["delete_before"] + plan["delete_after"] + [plan["replaces"] or ""])
    deleted = [key_id for key_id in deleted if key_id]
    steps = _delete_steps(user, plan["delete_before"], deleted)
    if plan["create"]:
        new_id = st.Ref(NEW_KEY, _new_key_id, shown="(a new access key)")
        steps.append(
            st.step(
                "access_key_id",
                plan["pillar_key_id"],
                new_id,
                "aws_iam.create_access_key",
                save=NEW_KEY,
                undo=st.step(
                    "the new access key was deleted again",
                    None,
                    None,
                    "aws_iam.delete_access_key",
                    user=user,
                    key_id=new_id,
                ),
                says=f"new access key: {plan['reason']}",
                user=user,
                known_keys=sorted(known_keys),
            )
        )
        write = functools.partial(
            pillar_values, key["id_paths"], key["secret_paths"], key["values_wanted"]
        )
        steps.append(
            st.local_step(
                key["secret_label"],
                None,
                f"written to {key['pillar_file']}",
                "pillar_file.set_values",
                one_line=True,
                closes=(NEW_KEY,),
                path=key["pillar_file"],
                values=st.Ref(NEW_KEY, write),
            )
        )
    later = ([plan["replaces"]] if plan["replaces"] else []) + plan["delete_after"]
    return steps + _delete_steps(user, later, deleted)


def plan_pillar_values(pillar_file, wanted, current) -> list[st.Step]:
    """One local step per non-secret pillar value (region, host, port...) that differs from
    what ``pillar_file`` holds. ``wanted`` and ``current`` map key paths to values."""
    return [
        st.local_step(
            f"pillar {path}",
            layout.shown(path, current.get(path)),
            value,
            "pillar_file.set_values",
            path=pillar_file,
            values={path: value},
        )
        for path, value in wanted.items()
        if current.get(path) != value
    ]


def plan_user_key(
    what, user, current_user, key: PillarKey, rotation: Rotation
) -> tuple[list[st.Step], list[str]]:
    """Steps and comment notes for the key of ``user`` (``current_user``:
    ``aws_iam.describe_user``'s answer or ``None``). Raises ``CommandExecutionError`` when
    IAM's key limit leaves no room."""
    user_keys = current_user["access_keys"] if current_user else []
    plan = plan_access_key(
        user_keys,
        key["key_id"],
        key["complete"],
        rotation["now"],
        rotation["rotate_after_days"],
        rotation["prune_keys"],
    )
    if plan["error"]:
        raise CommandExecutionError(f"{what}: {plan['error']}")
    steps = []
    if not plan["create"]:
        # A new key is written together with these values; otherwise write them alone.
        steps += plan_pillar_values(key["pillar_file"], key["values_wanted"], key["values_now"])
    steps += key_steps(plan, user, key, [k["AccessKeyId"] for k in user_keys])
    notes = []
    if plan["unreferenced"] and not rotation["prune_keys"]:
        notes.append(
            f"access keys not in {key['pillar_file']}: {', '.join(plan['unreferenced'])} "
            "(set prune_keys: true to delete them)"
        )
    return steps, notes


def plan_pillar_removal(pillar_file, in_pillar) -> list[st.Step]:
    """The step removing a user's credentials from ``pillar_file`` (``.absent``): the key
    paths of ``in_pillar`` (``pillar_file.read``'s answer) that are there."""
    present = [path for path, value in in_pillar.items() if value not in (None, False)]
    if not present:
        return []
    return [
        st.local_step("pillar", present, None, "pillar_file.remove", path=pillar_file, keys=present)
    ]
