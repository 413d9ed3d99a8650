"""Names ruamel.yaml for salt-ssh's ``thin_extra_mods``, which Salt (3006 to 3008.5) cannot do
itself: it packs the directory of ``__import__(name).__file__``, and ``ruamel`` is a namespace
package without one (``ruamel.yaml`` fails the same way). This module's ``__file__`` points
into the ``ruamel`` directory, so ``thin_extra_mods: ...,awsrunbook_thin_ruamel`` packs
``ruamel/yaml/`` into the thin at the path the target imports it from. Only salt-ssh's master
side imports this module; nothing on a target does."""

import os

import ruamel.yaml

__file__ = os.path.join(os.path.dirname(os.path.dirname(ruamel.yaml.__file__)), "__init__.py")
