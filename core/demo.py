"""Demo-data steps. Each app registers its step in AppConfig.ready(); ``seed_demo``
runs them in order, so the demo district grows with the platform without core
importing any app."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

DEMO_PASSWORD = "demo-pass-2026"
# Enterprises that get a history of records (inspections, waste ledgers...): a
# city-size registry for benchmarks needs the register, not 300,000 histories.
HISTORY_LIMIT = 5000


@dataclass
class DemoContext:
    """Shared state between steps: options, the RNG, what earlier steps made."""

    seed: int
    enterprises: int
    random: random.Random
    log: Callable[[str], None]
    histories: int = HISTORY_LIMIT  # at most this many enterprises get records
    made: dict = field(default_factory=dict)
    credentials: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (role, user, password)


DemoStep = Callable[[DemoContext], None]


@dataclass(frozen=True)
class RegisteredStep:
    order: int
    name: str
    run: DemoStep
    present: Callable[[], bool] | None = None  # True when this step's data exists


_steps: dict[str, RegisteredStep] = {}


def register_demo_step(
    order: int, name: str, step: DemoStep, *, present: Callable[[], bool] | None = None
) -> None:
    _steps[name] = RegisteredStep(order, name, step, present)


def reference_data_step(
    migration: str, function: str, *, unless: Callable[[], bool] | None = None
) -> DemoStep:
    """A step that loads the reference data a data migration ships (ticket
    categories, checklists, the risk model...) again, so the demo can be built
    on a database that ``flush`` emptied. ``unless`` keeps edited data as is."""

    def run(context: DemoContext) -> None:
        if unless is not None and unless():
            return
        from importlib import import_module

        from django.apps import apps

        getattr(import_module(migration), function)(apps, None)

    return run


def demo_steps() -> list[RegisteredStep]:
    return sorted(_steps.values(), key=lambda step: step.order)


def demo_data_present() -> bool:
    return any(step.present() for step in _steps.values() if step.present)


@cache
def demo_password_hash() -> str:
    """Hashed once: all demo users share it, and hashing is slow on purpose."""
    from django.contrib.auth.hashers import make_password

    return make_password(DEMO_PASSWORD)


def demo_user(username: str, full_name: str, **extra):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create(
        username=username, password=demo_password_hash(), first_name=full_name, **extra
    )
