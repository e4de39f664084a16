"""Registry of wall-screen panels (大屏, issue 10) that other modules contribute.

The big screen (``screen`` app) sits above every module and reads most of them
directly; a module that is built later, or in parallel, registers a provider
here in its ``AppConfig.ready()`` instead, and the screen shows "no data" for a
named panel until one is registered. Core imports no app.

A provider is called as ``provider(*, district_ids, now)`` (``district_ids``: the
districts the screen shows; ``now``: an aware datetime) and returns a dict::

    {"total": int,                       # the panel's headline number
     "rows": [{"title": str,             # at most 10 rows, newest first
               "detail": str,
               "state": str,             # a translated state label
               "at": "ISO 8601"}]}

It must be one or two set-based queries (the screen's endpoint has a 200 ms
budget) and may return ``None`` when it has nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable

ScreenProvider = Callable[..., dict | None]

# Panels the screen lays out and fills from this registry.
JOINT_ACTIONS = "joint_actions"  # joint actions this week (joint enforcement)

_providers: dict[str, ScreenProvider] = {}


def register_screen_panel(name: str, provider: ScreenProvider) -> None:
    """Register (or replace) the provider of the named panel."""
    _providers[name] = provider


def unregister_screen_panel(name: str) -> None:
    _providers.pop(name, None)


def screen_panel_provider(name: str) -> ScreenProvider | None:
    return _providers.get(name)
