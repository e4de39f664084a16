"""Reads of the grid app, by topic. ``grid.selectors.<name>`` stays the public
import path for every reader."""

from grid.selectors.geography import *  # noqa: F403
from grid.selectors.geography import (  # noqa: F401 - private names used by readers
    ANONYMOUS_SCOPE,
    UserScope,
    _index_cache,
)
from grid.selectors.tickets import *  # noqa: F403
