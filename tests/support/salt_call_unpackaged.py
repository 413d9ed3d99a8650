"""Run ``salt-call`` as if this package were not pip-installed: its ``salt.loader`` entry
point and the editable install's import finder are hidden, so Salt only finds the modules that
``saltutil.sync_all`` copied from ``file_roots`` (``_modules``, ``_states``, ``_utils``).

    python -m tests.support.salt_call_unpackaged --local -c CONFIG_DIR \
        state.apply aws_runbook.backup
"""

import sys

import salt.utils.entrypoints

_iter_entry_points = salt.utils.entrypoints.iter_entry_points


def _without_this_package(group, name=None):
    return [
        entry_point
        for entry_point in _iter_entry_points(group, name)
        if entry_point.dist.metadata["name"] != "salt-aws-runbook"
    ]


def main():
    salt.utils.entrypoints.iter_entry_points = _without_this_package
    sys.meta_path[:] = [f for f in sys.meta_path if "salt_aws_runbook" not in repr(f)]
    for name in [m for m in sys.modules if m.startswith(("awsrunbook_", "salt_aws_runbook"))]:
        del sys.modules[name]
    # Imported only now, once the package is hidden.
    from salt.scripts import salt_call

    sys.argv[0] = "salt-call"
    salt_call()


if __name__ == "__main__":
    main()
