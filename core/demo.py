"""Demo-data steps. Each app registers its step in AppConfig.ready(); ``seed_demo``
runs them in order, so the demo district grows with the platform without core
importing any app."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class DemoContext:
    """Shared state between steps: options, the RNG, what earlier steps made."""

    seed: int
    enterprises: int
    random: random.Random
    log: Callable[[str], None]
    made: dict = field(default_factory=dict)
    credentials: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (role, user, password)


DemoStep = Callable[[DemoContext], None]
_steps: list[tuple[int, str, DemoStep]] = []


def register_demo_step(order: int, name: str, step: DemoStep) -> None:
    _steps[:] = [s for s in _steps if s[1] != name]
    _steps.append((order, name, step))
    _steps.sort(key=lambda s: s[0])


def demo_steps() -> list[tuple[int, str, DemoStep]]:
    return list(_steps)
