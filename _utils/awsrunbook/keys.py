"""Access keys whose secret lives in a pillar file: the plan, pure, as steps of the one engine.

Shared by every state that gives a server an IAM user's credentials (``iam_backup_user``,
``ses_smtp_user``). The rules:

- the pillar file names the key in use; if that key is active on the user and the file
  holds its secret, nothing changes (unless it is older than ``rotate_after_days``);
- otherwise a new key is created and written; the key it replaces is deleted only after the
  file has been written, so the pillar never points at a deleted key; a new key whose write
  fails is deleted again (the create step's ``undo``), so no key outlives its secret;
- keys the pillar does not reference are reported, and deleted with ``prune_keys``;
- IAM allows two keys per user: when there is no room, the state says so before any write;
- with encryption on (``pillar_file.encryption_for``), a kept key whose secret the file holds
  in the clear is encrypted in place: no AWS call, and no decryption is ever needed to
  decide (the key ID, its age and whether a secret is there are all in plaintext);
- before a create, the run records its intent outside the pillar tree (``key_intent``); a
  run killed between ``CreateAccessKey`` and the pillar write leaves that record, and the
  next run deletes the key it names (or, when the answer never came, the one key made
  within ``CREATE_WINDOW`` after it that no one knew of), whose secret is gone
  (``leftover_of``). No other key is ever deleted on an intent's word.

Pure: the state passes in what it read and the current time.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from salt.exceptions import CommandExecutionError

from awsrunbook import layout, plans, ses

IAM_KEY_LIMIT = 2
NEW_KEY = "new_access_key"
# How long after a run recorded its intent the key it asked for can have been made: one
# CreateAccessKey with its throttling retries (five sends, each up to botocore's 60 s read
# timeout, 15 s of backoff) fits well inside.
CREATE_WINDOW = datetime.timedelta(minutes=10)


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
    encryption: dict[str, Any] | None  # pillar_file.encryption_for's answer (None: in the clear)
    plaintext: list[str]  # secret paths holding a secret in the clear, encryption on


class AccessKey(TypedDict):
    """An access key as IAM lists it (``aws_iam.describe_user``'s ``access_keys``)."""

    AccessKeyId: str
    Status: str
    CreateDate: datetime.datetime


class Rotation(TypedDict):
    rotate_after_days: int | None
    prune_keys: bool
    now: datetime.datetime


def rotation(
    rotate_after_days: int | None, prune_keys: bool, now: datetime.datetime | None = None
) -> Rotation:
    """The key policy of a state, at ``now`` (default: the current time)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return Rotation(rotate_after_days=rotate_after_days, prune_keys=prune_keys, now=now)


def pillar_key(
    pillar_file: str,
    id_paths: Iterable[str],
    secret_paths: Mapping[str, str],
    values_wanted: Mapping[str, Any],
    values_now: dict[str, Any],
    encryption: dict[str, Any] | None = None,
    plaintext: Iterable[str] = (),
) -> PillarKey:
    """The pillar side of a key, from what ``pillar_file.read`` found at every path
    (``values_now``): the key the file names is the one ID every id path holds; the file is
    complete when every secret path holds something too (ciphertext counts). ``changes``
    calls what the file gets ``secret_access_key``, or ``smtp_password`` when it only gets
    SMTP passwords. ``encryption``: how secrets are written (``None``: in the clear);
    ``plaintext``: the secret paths ``pillar_file.plaintext_secrets`` found in the clear."""
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
        encryption=encryption,
        plaintext=sorted(plaintext) if encryption else [],
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


def _new_key_reason(
    referenced: AccessKey | None,
    pillar_key_id: str | None,
    pillar_has_secret: bool,
    now: datetime.datetime,
    rotate_after_days: int | None,
) -> str | None:
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
    user_keys: Iterable[AccessKey],
    pillar_key_id: str | None,
    pillar_has_secret: bool,
    now: datetime.datetime,
    rotate_after_days: int | None,
    prune: bool,
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


class Intent(TypedDict):
    """What ``key_intent.read`` found: a run's record that it was creating a key of ``user``
    for ``pillar_file``, kept until the pillar write is done."""

    user: str
    pillar_file: str
    started: str  # ISO 8601, UTC, whole seconds (IAM's CreateDate has no finer grain)
    known_keys: list[str]  # the user's keys before that create
    access_key_id: str | None  # the key IAM made, once its answer arrived
    in_progress: bool  # the run that wrote it is still running (holds its lock)


class Leftover(TypedDict):
    """What a left intent means now: the keys to delete (made, never written) and what to
    say (a ``says`` line: ``{would}`` stands before "deleted")."""

    delete: list[str]
    says: str


def _made_after(
    intent: Intent, user_keys: Iterable[AccessKey], pillar_key_id: str | None
) -> list[str]:
    """Keys that the run of ``intent`` may have made when its answer never came: unknown to
    it, not the pillar's, created from its start to ``CREATE_WINDOW`` after."""
    started = datetime.datetime.fromisoformat(intent["started"])
    return sorted(
        k["AccessKeyId"]
        for k in user_keys
        if k["AccessKeyId"] not in intent["known_keys"]
        and k["AccessKeyId"] != pillar_key_id
        and started <= k["CreateDate"] <= started + CREATE_WINDOW
    )


def leftover_of(
    intent: Intent | None, user_keys: Iterable[AccessKey], pillar_key_id: str | None
) -> Leftover | None:
    """What to do about an intent a stopped run left (``None``: there is none). Pure.

    With the key ID recorded, that key is deleted when it is live and the pillar file does
    not name it. Without (the run stopped before IAM's answer), the one key made in the
    window after the intent that the run did not know of and the file does not name is
    its; when several are, none is deleted, since which one it made cannot be told."""
    if intent is None:
        return None
    who = f"a run that started at {intent['started']}"
    where = _literal(intent["pillar_file"])
    live = {k["AccessKeyId"] for k in user_keys}
    key_id = intent["access_key_id"]
    if key_id == pillar_key_id and key_id:
        return Leftover(delete=[], says=f"{who} wrote key {key_id} to {where}; its record is done")
    if key_id and key_id in live:
        return Leftover(
            delete=[key_id],
            says=f"key {key_id} was made by {who} and never written to {where}: "
            "{would}deleted, since its secret is lost",
        )
    if key_id:
        return Leftover(delete=[], says=f"key {key_id}, made by {who}, no longer exists")
    made = _made_after(intent, user_keys, pillar_key_id)
    if len(made) == 1:
        return Leftover(
            delete=made,
            says=f"key {made[0]} was made by {who}, which stopped before IAM's answer "
            f"reached it, and never written to {where}: {{would}}deleted, since its secret is lost",
        )
    if made:
        return Leftover(
            delete=[],
            says=f"{who} stopped before IAM's answer reached it; keys {', '.join(made)} were "
            f"made since and {where} names none of them: none deleted, since which one it "
            "made cannot be told",
        )
    return Leftover(delete=[], says=f"{who} stopped before IAM made a key")


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


def pillar_values(
    id_paths: Iterable[str],
    secret_paths: Mapping[str, str],
    values: Mapping[str, Any],
    created: Mapping[str, Any],
) -> dict[str, Any]:
    """Everything the pillar file gets for the new key ``created`` (``aws_iam.create_access_key``'s
    answer) in one write: its ID, its secret or what derives from it, and ``values``."""
    to_write = dict.fromkeys(id_paths, created["access_key_id"])
    for path, what in secret_paths.items():
        to_write[path] = secret_value(created["secret"].value, what)
    to_write.update(values)
    return to_write


def _new_key_id(created: Mapping[str, Any]) -> Any:
    return created["access_key_id"]


def _delete_steps(user: str, key_ids: Iterable[str], deleted: list[str]) -> list[plans.Step]:
    return [
        plans.step(
            "deleted_access_keys", deleted, [], "aws_iam.delete_access_key", user=user, key_id=k
        )
        for k in key_ids
    ]


def _literal(text: object) -> str:
    """``text`` as it reads in a ``says`` line (whose ``{would}`` is filled in)."""
    return str(text).replace("{", "{{").replace("}", "}}")


def _leftover_steps(
    leftover: Leftover, intent: Intent, user: str, deleted: list[str]
) -> list[plans.Step]:
    """Delete the keys a stopped run made and never wrote, then remove its record."""
    steps = _delete_steps(user, leftover["delete"], deleted)
    steps.append(
        plans.local_step(
            "key_intent",
            {"started": intent["started"], "access_key_id": intent["access_key_id"]},
            None,
            "key_intent.forget",
            says=f"{leftover['says']} (the run's record {{would}}removed)",
            pillar_file=intent["pillar_file"],
            user=user,
        )
    )
    return steps


def _create_steps(
    plan: KeyPlan, user: str, key: PillarKey, known_keys: Iterable[str]
) -> list[plans.Step]:
    """Create the key (its intent recorded first), then write it with the pillar's values
    unless another run wrote the file since it was read (closing the create's undo)."""
    new_id = plans.Ref(NEW_KEY, _new_key_id, shown="(a new access key)")
    create = plans.step(
        "access_key_id",
        plan["pillar_key_id"],
        new_id,
        "aws_iam.create_access_key",
        save=NEW_KEY,
        undo=plans.step(
            "the new access key was deleted again",
            None,
            None,
            "aws_iam.delete_access_key",
            user=user,
            key_id=new_id,
            pillar_file=key["pillar_file"],
        ),
        says=f"new access key: {_literal(plan['reason'])}",
        user=user,
        known_keys=sorted(known_keys),
        pillar_file=key["pillar_file"],
    )
    write = functools.partial(
        pillar_values, key["id_paths"], key["secret_paths"], key["values_wanted"]
    )
    written = plans.local_step(
        key["secret_label"],
        None,
        f"written to {key['pillar_file']}",
        "key_intent.write_key",
        one_line=True,
        closes=(NEW_KEY,),
        path=key["pillar_file"],
        user=user,
        values=plans.Ref(NEW_KEY, write),
        expect={path: key["values_now"].get(path) for path in key["id_paths"]},
        access_key_id=new_id,
        encryption=key.get("encryption"),
    )
    return [create, written]


def key_steps(
    plan: KeyPlan,
    user: str,
    key: PillarKey,
    known_keys: Iterable[str],
    leftover: tuple[Leftover, Intent] | None = None,
) -> list[plans.Step]:
    """The steps carrying out ``plan``: clear what a stopped run left (``leftover`` and its
    intent), make room, create the key, write it with the pillar's values, then delete the
    key it replaces."""
    orphans = leftover[0]["delete"] if leftover else []
    deleted = sorted(
        orphans + plan["delete_before"] + plan["delete_after"] + [plan["replaces"] or ""]
    )
    deleted = [key_id for key_id in deleted if key_id]
    steps = _leftover_steps(*leftover, user, deleted) if leftover else []
    steps += _delete_steps(user, plan["delete_before"], deleted)
    if plan["create"]:
        steps += _create_steps(plan, user, key, known_keys)
    later = ([plan["replaces"]] if plan["replaces"] else []) + plan["delete_after"]
    return steps + _delete_steps(user, later, deleted)


def plan_encrypt_in_place(
    pillar_file: str, encryption: dict[str, Any] | None, plaintext: Iterable[str], field: str
) -> list[plans.Step]:
    """The step encrypting the secrets ``plaintext`` (key paths) that ``pillar_file`` holds in
    the clear, as they are: ``changes`` shows ``field: encrypted in place``. No AWS call."""
    plaintext = list(plaintext)
    if not encryption or not plaintext:
        return []
    return [
        plans.local_step(
            field,
            None,
            "encrypted in place",
            "pillar_file.encrypt_in_place",
            one_line=True,
            path=pillar_file,
            keys=plaintext,
            encryption=encryption,
        )
    ]


def plan_pillar_values(
    pillar_file: str, wanted: Mapping[str, Any], current: Mapping[str, Any]
) -> list[plans.Step]:
    """One local step per non-secret pillar value (region, host, port...) that differs from
    what ``pillar_file`` holds. ``wanted`` and ``current`` map key paths to values."""
    return [
        plans.local_step(
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
    what: str,
    user: str,
    current_user: Mapping[str, Any] | None,
    key: PillarKey,
    rotation: Rotation,
    intent: Intent | None = None,
) -> tuple[list[plans.Step], list[str]]:
    """Steps and comment notes for the key of ``user`` (``current_user``:
    ``aws_iam.describe_user``'s answer or ``None``; ``intent``: ``key_intent.read``'s).
    Raises ``CommandExecutionError`` when IAM's key limit leaves no room, or while another
    run on this machine is creating a key of the user for the file."""
    if intent and intent["in_progress"]:
        raise CommandExecutionError(
            f"{what}: another run is creating an access key of {user} for "
            f"{intent['pillar_file']} now (since {intent['started']}); run again when it is done"
        )
    listed = current_user["access_keys"] if current_user else []
    leftover = leftover_of(intent, listed, key["key_id"])
    orphans = leftover["delete"] if leftover else []
    user_keys = [k for k in listed if k["AccessKeyId"] not in orphans]
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
        # A new key is written together with these values (and encrypted); otherwise write
        # them alone, and encrypt the secrets of the key kept.
        steps += plan_pillar_values(key["pillar_file"], key["values_wanted"], key["values_now"])
        steps += plan_encrypt_in_place(
            key["pillar_file"], key.get("encryption"), key.get("plaintext"), key["secret_label"]
        )
    known = [k["AccessKeyId"] for k in listed]
    steps += key_steps(plan, user, key, known, (leftover, intent) if leftover and intent else None)
    notes = []
    if plan["unreferenced"] and not rotation["prune_keys"]:
        notes.append(
            f"access keys not in {key['pillar_file']}: {', '.join(plan['unreferenced'])} "
            "(set prune_keys: true to delete them)"
        )
    return steps, notes


def plan_pillar_removal(pillar_file: str, in_pillar: Mapping[str, Any]) -> list[plans.Step]:
    """The step removing a user's credentials from ``pillar_file`` (``.absent``): the key
    paths of ``in_pillar`` (``pillar_file.read``'s answer) that are there."""
    present = [path for path, value in in_pillar.items() if value not in (None, False)]
    if not present:
        return []
    return [
        plans.local_step(
            "pillar", present, None, "pillar_file.remove", path=pillar_file, keys=present
        )
    ]
