"""What Salt's loader injects into every loader module, declared (pure declarations) for type
checkers and IDEs.

Loader modules import these names under ``if TYPE_CHECKING:`` only: at run time Salt
provides them, and this module is never imported.
"""

from collections.abc import Callable
from typing import Any

__salt__: dict[str, Callable[..., Any]]
__opts__: dict[str, Any]
__context__: dict[str, Any]
__pillar__: dict[str, Any]
