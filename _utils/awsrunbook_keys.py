"""Access keys whose secret lives in a pillar file: the plan (pure) and its application.

Shared by every state that gives a server an IAM user's credentials (``iam_backup_user``,
``ses_smtp_user``). The rules:

- the pillar file names the key in use; if that key is active on the user and the file
  holds its secret, nothing changes (unless it is older than ``rotate_after_days``);
- otherwise a new key is created and written; the key it replaces is deleted only after the
  file has been written, so the pillar never points at a deleted key;
- keys the pillar does not reference are reported, and deleted with ``prune_keys``;
- IAM allows two keys per user: when there is no room, the state says so instead of failing
  half way.

Also the SES SMTP password (the SigV4 derivation, version byte 4).
"""

import base64
import datetime
import hashlib
import hmac

import awsrunbook_state as st
from salt.exceptions import CommandExecutionError

IAM_KEY_LIMIT = 2


def smtp_password(secret_access_key, region):
    """The SES SMTP password for ``secret_access_key`` in ``region``."""

    def sign(key, message):
        return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()

    signature = sign(("AWS4" + secret_access_key).encode("utf-8"), "11111111")
    for part in (region, "ses", "aws4_request", "SendRawEmail"):
        signature = sign(signature, part)
    return base64.b64encode(bytes([0x04]) + signature).decode("utf-8")


def plan_access_key(user_keys, pillar_key_id, pillar_has_secret, now, rotate_after_days, prune):
    """Decide what to do with a user's access keys. Pure.

    ``user_keys``: ``[{"AccessKeyId", "Status", "CreateDate"}]`` as IAM lists them.
    Returns a dict: ``create`` a new key (because of ``reason``) after deleting
    ``delete_before`` (to make room); then delete ``replaces`` (the key the pillar used) and
    ``delete_after`` (unused keys, with ``prune``). ``unreferenced`` lists the keys the pillar
    does not use; ``error`` is set when there is no room for a needed key.
    """
    by_id = {key["AccessKeyId"]: key for key in user_keys}
    referenced = by_id.get(pillar_key_id) if pillar_key_id else None
    unreferenced = sorted(key_id for key_id in by_id if key_id != pillar_key_id)
    reason = None
    if not pillar_key_id:
        reason = "the pillar file holds no access key"
    elif referenced is None:
        reason = f"the pillar file's key {pillar_key_id} no longer exists"
    elif referenced["Status"] != "Active":
        reason = f"the pillar file's key {pillar_key_id} is inactive"
    elif not pillar_has_secret:
        reason = f"the pillar file has key {pillar_key_id} but not its secret"
    elif rotate_after_days and (now - referenced["CreateDate"]).days >= rotate_after_days:
        age = (now - referenced["CreateDate"]).days
        reason = f"key {pillar_key_id} is {age} days old (rotate_after_days: {rotate_after_days})"
    create = reason is not None
    plan = {
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


def plan_changes(plan, pillar_file, new_key_id=None):
    """``changes`` for a plan: what a real run reports, and (with no ``new_key_id`` yet) what
    ``test=True`` reports. Never a secret."""
    changes = {}
    if plan["create"]:
        changes["access_key_id"] = {
            "old": plan["pillar_key_id"],
            "new": new_key_id or "(a new access key)",
        }
        changes["secret_access_key"] = f"written to {pillar_file}"
    deleted = plan["delete_before"] + plan["delete_after"]
    if plan["replaces"]:
        deleted.append(plan["replaces"])
    if deleted:
        changes["deleted_access_keys"] = {"old": sorted(deleted), "new": []}
    return changes


def apply_plan(plan, salt, user, pillar_file, id_paths, secret_paths, values, conn):
    """Carry out ``plan`` for ``user``; returns ``changes``. On a failure raises
    ``CommandExecutionError`` saying what had been done."""
    done = []
    new_key_id = None
    try:
        for key_id in plan["delete_before"]:
            salt["aws_iam.delete_access_key"](user, key_id, **conn)
            done.append(f"deleted unused key {key_id}")
        if plan["create"]:
            new_key_id = salt["aws_iam.create_access_key_into_pillar"](
                user, pillar_file, id_paths, secret_paths, values, **conn
            )
            done.append(f"created key {new_key_id} and wrote it to {pillar_file}")
        for key_id in ([plan["replaces"]] if plan["replaces"] else []) + plan["delete_after"]:
            salt["aws_iam.delete_access_key"](user, key_id, **conn)
            done.append(f"deleted key {key_id}")
    except CommandExecutionError as exc:
        raise CommandExecutionError(
            f"{exc} (done before this: {'; '.join(done) or 'nothing'})"
        ) from None
    return plan_changes(plan, pillar_file, new_key_id)


def converge_user(ret, salt, test, what, user, current_user, user_steps, key, conn):
    """The common part of every state that gives a server an IAM user's key: plan the key,
    apply (or report) ``user_steps`` and the pillar's non-secret values, then the key.

    ``key`` describes the pillar side: ``pillar_file``; ``key_id`` (the key the file names)
    and ``complete`` (the file also holds its secret, or what is derived from it);
    ``values_now``/``values_wanted`` (non-secret ``{path: value}``, e.g. region); ``id_paths``
    and ``secret_paths`` (see ``aws_iam.create_access_key_into_pillar``); ``secret_label``
    (how ``changes`` names what the file gets); ``rotate_after_days``; ``prune_keys``.
    Returns ``ret``.
    """
    plan = plan_access_key(
        current_user["access_keys"] if current_user else [],
        key["key_id"],
        key["complete"],
        datetime.datetime.now(datetime.timezone.utc),
        key["rotate_after_days"],
        key["prune_keys"],
    )
    if plan["error"]:
        return st.fail(ret, f"{what}: {plan['error']}")
    steps = list(user_steps)
    if not plan["create"]:
        # A new key is written together with these values; otherwise write them alone.
        steps += plan_pillar_values(key["pillar_file"], key["values_wanted"], key["values_now"])
    if not st.run_plan(ret, steps, salt, conn, test, what):
        return ret
    return _converge_key(ret, plan, salt, test, what, user, key, conn)


def _converge_key(ret, plan, salt, test, what, user, key, conn):
    """Report (``test``) or carry out the key ``plan`` into ``ret``."""
    pillar_file = key["pillar_file"]

    def labelled(changes):
        if "secret_access_key" in changes:
            changes[key["secret_label"]] = changes.pop("secret_access_key")
        return changes

    key_changes = labelled(plan_changes(plan, pillar_file))
    if key_changes:
        if test:
            ret["result"] = None
        else:
            writes = (key["id_paths"], key["secret_paths"], key["values_wanted"])
            try:
                key_changes = labelled(apply_plan(plan, salt, user, pillar_file, *writes, conn))
            except CommandExecutionError as exc:
                return st.fail(ret, f"{what}: access key: {exc}")
        ret["changes"].update(key_changes)
        verb = "would be changed" if test else "changed"
        ret["comment"] = f"{what} {verb}: {', '.join(ret['changes'])}"
        if plan["create"]:
            st.append_comment(ret, f"new access key: {plan['reason']}")
    if plan["unreferenced"] and not key["prune_keys"]:
        st.append_comment(
            ret,
            f"access keys not in {pillar_file}: {', '.join(plan['unreferenced'])} "
            "(set prune_keys: true to delete them)",
        )
    return ret


def plan_pillar_values(pillar_file, wanted, current):
    """One local step per non-secret pillar value (region, host, port...) that differs from
    what ``pillar_file`` holds. Pure. ``wanted`` and ``current`` map key paths to values."""
    return [
        st.local_step(
            f"pillar {path}",
            current.get(path),
            value,
            "pillar_file.set_values",
            path=pillar_file,
            values={path: value},
        )
        for path, value in wanted.items()
        if current.get(path) != value
    ]


def plan_pillar_removal(pillar_file, in_pillar):
    """The step removing a user's credentials from ``pillar_file`` (``.absent``): the key
    paths of ``in_pillar`` (``pillar_file.read``'s answer) that are there. Pure."""
    present = [path for path, value in in_pillar.items() if value not in (None, False)]
    if not present:
        return []
    return [
        st.local_step("pillar", present, None, "pillar_file.remove", path=pillar_file, keys=present)
    ]
