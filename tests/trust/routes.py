"""Every route of the project, found by walking the URL resolver (the DRF routers
are part of it), so the scoping harness covers new routes without new test code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.admindocs.views import simplify_regex
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_API_PREFIX = "/api/"


@dataclass(frozen=True)
class Route:
    """One URL pattern: a path template with ``{param}`` placeholders."""

    path: str
    name: str  # "namespace:name", or "" for unnamed patterns
    callback: Any = field(compare=False, repr=False)
    params: tuple[tuple[str, str], ...] = ()  # (name, "int" | "str" | ...)

    @property
    def is_drf(self) -> bool:
        return hasattr(self.callback, "cls")

    @property
    def is_api(self) -> bool:
        return self.path.startswith(_API_PREFIX)

    @property
    def actions(self) -> dict[str, str]:
        """HTTP method -> viewset action (or the method name for plain views)."""
        if hasattr(self.callback, "actions"):
            return dict(self.callback.actions)
        if self.is_drf:
            cls = self.callback.cls
            return {
                m: m
                for m in cls.http_method_names
                if m not in ("options", "head", "trace") and hasattr(cls, m)
            }
        return {"get": "get"}

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.params)

    def url(self, **values) -> str:
        path = self.path
        for name in self.param_names:
            path = path.replace("{" + name + "}", str(values[name]))
        return path

    @property
    def id(self) -> str:
        return self.name or self.path


def _template(pattern) -> tuple[str, list[tuple[str, str]]]:
    """A pattern's text as a template, and its parameters with their converters."""
    if isinstance(pattern, RoutePattern):
        text = str(pattern)
        params = [
            (m["name"], m["converter"] or "str") for m in _ROUTE_PARAM.finditer(text)
        ]
        return _ROUTE_PARAM.sub(lambda m: "{" + m["name"] + "}", text), params
    regex = pattern.regex.pattern
    simple = simplify_regex(regex).lstrip("/")
    if regex.rstrip("$").endswith("/") is False and simple.endswith("/"):
        simple = simple.rstrip("/")
    params = [(m["name"], "regex") for m in _ROUTE_PARAM.finditer(simple)]
    return _ROUTE_PARAM.sub(lambda m: "{" + m["name"] + "}", simple), params


def _walk(patterns, prefix: str, namespace: str, params: list):
    for entry in patterns:
        text, own = _template(entry.pattern)
        if isinstance(entry, URLResolver):
            space = namespace
            if entry.namespace:
                space = (
                    f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                )
            yield from _walk(entry.url_patterns, prefix + text, space, params + own)
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            if name and namespace:
                name = f"{namespace}:{name}"
            yield Route(
                path="/" + (prefix + text).lstrip("/"),
                name=name,
                callback=entry.callback,
                params=tuple(params + own),
            )


@cache
def all_routes() -> tuple[Route, ...]:
    """Every route except the Django admin (its own staff permissions, OTP-verified)
    and DRF's format-suffix twins (the same view as the route without a suffix)."""
    routes = []
    seen = set()
    for route in _walk(get_resolver().url_patterns, "", "", []):
        if route.path.startswith("/admin/") or "format" in route.param_names:
            continue
        if route.path in seen:
            continue
        seen.add(route.path)
        routes.append(route)
    return tuple(routes)


def api_routes() -> list[Route]:
    return [r for r in all_routes() if r.is_drf]


def page_routes() -> list[Route]:
    return [r for r in all_routes() if not r.is_drf]
