"""Every module in ``_utils/`` is installed as a top-level module (``import awsrunbook_state``),
found here so that a new one needs no registration; the rest of the metadata is in setup.cfg."""

import pathlib

from setuptools import setup

setup(py_modules=sorted(path.stem for path in pathlib.Path("_utils").glob("*.py")))
