"""Imports only point down the layers of DESIGN.md section 3, and other apps use
only an app's public modules."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYER = {
    "core": 0,
    "grid": 1,
    "enforcement": 2,
    "credit": 3,
    "monitoring": 3,
    "hazwaste": 3,
    "screen": 4,  # the wall screen reads every module
    "exchange": 4,  # the city exchange reads every module
}
PUBLIC = {
    "models",
    "services",
    "selectors",
    "permissions",
}  # grid.permissions: role checks
# Modules an app may expose beyond those (pure, dependency-free helpers).
PUBLIC_EXTRA = {
    "core": {"*"},  # the shared kernel is all public
    "enforcement": {"validators"},
    "monitoring": {"parameters"},  # the parameter table and indoor-air limits
}


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _sources():
    for app in LAYER:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield app, path


@pytest.mark.parametrize("app,path", list(_sources()), ids=lambda v: str(v))
def test_module_imports_respect_layers_and_public_modules(app, path):
    problems = []
    for module in _imports(path):
        target = module.split(".")[0]
        if target not in LAYER or target == app:
            continue
        if LAYER[target] > LAYER[app] or (LAYER[target] == LAYER[app]):
            problems.append(f"{module}: {app} may not import {target} (layer order)")
            continue
        parts = module.split(".")
        allowed = PUBLIC | PUBLIC_EXTRA.get(target, set())
        if "*" not in allowed and len(parts) > 1 and parts[1] not in allowed:
            problems.append(f"{module}: only {sorted(allowed)} of {target} are public")
    assert problems == []
