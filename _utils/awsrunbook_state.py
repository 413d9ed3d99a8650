"""The read → plan → apply skeleton every state of this extension uses.

A plan is a list of steps, plain data::

    {"field": "lifecycle", "old": [...], "new": [...], "call": "aws_s3.put_lifecycle",
     "kwargs": {...}}

``test=True`` reports the steps as ``changes`` (old/new per field) and writes nothing; a real
run calls each step's execution function in order. A failing step stops the run with the
steps already done in ``changes``, so the next run converges from there.
"""

import functools

import salt.utils.context
from salt.exceptions import CommandExecutionError, SaltInvocationError


def new_ret(name):
    return {"name": name, "result": True, "changes": {}, "comment": ""}


def step(field, old, new, call, **kwargs):
    """A step whose execution function talks to AWS (it gets the connection arguments)."""
    return {"field": field, "old": old, "new": new, "call": call, "kwargs": kwargs, "aws": True}


def local_step(field, old, new, call, **kwargs):
    """A step whose execution function works on this machine (e.g. the pillar file)."""
    return {"field": field, "old": old, "new": new, "call": call, "kwargs": kwargs, "aws": False}


def changes_of(steps):
    """The ``changes`` dict a list of steps stands for (the last step of a field wins ``new``,
    the first its ``old``)."""
    changes = {}
    for item in steps:
        if item["field"] in changes:
            changes[item["field"]]["new"] = item["new"]
        else:
            changes[item["field"]] = {"old": item["old"], "new": item["new"]}
    return changes


def run_plan(ret, steps, salt_funcs, conn, test, what):
    """Report or apply ``steps``; fill ``ret``. ``what`` names the resource in comments.
    Returns True when every step was applied (or nothing was to do)."""
    if not steps:
        ret["comment"] = f"{what} is in the desired state"
        return True
    if test:
        ret["result"] = None
        ret["changes"] = changes_of(steps)
        ret["comment"] = f"{what} would be changed: {', '.join(ret['changes'])}"
        return True
    done = []
    for item in steps:
        try:
            salt_funcs[item["call"]](**item["kwargs"], **(conn if item["aws"] else {}))
        except (CommandExecutionError, SaltInvocationError) as exc:
            ret["result"] = False
            ret["changes"] = changes_of(done)
            ret["comment"] = f"{what}: {item['field']} failed: {exc}"
            return False
        done.append(item)
    ret["changes"] = changes_of(done)
    ret["comment"] = f"{what} changed: {', '.join(ret['changes'])}"
    return True


def fail(ret, message, changes=None):
    ret["result"] = False
    ret["comment"] = message
    if changes is not None:
        ret["changes"] = changes
    return ret


def append_comment(ret, *lines):
    ret["comment"] = "\n".join(part for part in (ret["comment"], *lines) if part)


# What Salt's state system injects into the globals of the function it calls, for that call.
RUN_GLOBALS = ("__low__", "__lowstate__", "__running__", "__instance_id__", "__user__", "__env__")


def reports_errors(func):
    """Turn the errors a state raises on purpose (bad input, an AWS call that failed) into a
    failed state whose comment is the message, instead of a traceback."""

    @functools.wraps(func)
    def wrapper(name, *args, **kwargs):
        # Salt injected the run's globals into this module (the wrapper's); hand them on to
        # the state's own module for the call.
        run_globals = {key: globals()[key] for key in RUN_GLOBALS if key in globals()}
        with salt.utils.context.func_globals_inject(func, **run_globals):
            try:
                return func(name, *args, **kwargs)
            except (CommandExecutionError, SaltInvocationError) as exc:
                return fail(new_ret(name), str(exc))

    return wrapper
