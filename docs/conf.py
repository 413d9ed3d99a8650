"""Sphinx configuration: reference pages generated from the loader modules' docstrings."""

import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent

# The loader modules import the shared package (``from awsrunbook import state``) from _utils,
# as they do once Salt syncs it to extmods/utils: autodoc imports them the same way.
for folder in ("_utils", "_modules", "_states"):
    sys.path.insert(0, str(REPO / folder))
sys.path.insert(0, str(REPO / "docs" / "_ext"))

project = "salt-aws-runbook"
author = "salt-aws-runbook contributors"
copyright = "the salt-aws-runbook contributors"

extensions = ["sphinx.ext.autodoc", "saltext_reference", "pillar_reference"]
saltext_repo = str(REPO)

exclude_patterns = ["_build"]
html_theme = "furo"
html_title = project

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
# Signatures show each default's value (``expire_days=30``), what an operator can write in
# SLS, not the expression in the source (``RULE_DEFAULTS['expire_days']``).
autodoc_preserve_defaults = False
