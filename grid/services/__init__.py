"""Writes of the grid app, by topic. ``grid.services.<name>`` stays the public
import path for every caller (``ticket_open`` is how other apps open tickets)."""

from grid.services.escalation import *  # noqa: F403
from grid.services.evidence import *  # noqa: F403
from grid.services.geography import *  # noqa: F403
from grid.services.intake import *  # noqa: F403
from grid.services.lifecycle import *  # noqa: F403
