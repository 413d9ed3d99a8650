"""The ``salt.loader`` entry point: tells Salt where this extension's modules are."""

import importlib.util


def _package_dir(name):
    # find_spec works for both a regular install and an editable one (where the
    # directories stay in the source tree, outside this package's folder).
    return list(importlib.util.find_spec(name).submodule_search_locations)


def get_loader_dirs():
    return {
        "modules": _package_dir("salt_aws_runbook._modules"),
        "states": _package_dir("salt_aws_runbook._states"),
    }
