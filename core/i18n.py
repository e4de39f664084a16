"""Helpers for reading user input written in any of the platform's languages."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation


def labels_in_all_languages(pairs: Iterable[tuple[str, object]]) -> dict[str, str]:
    """Map each label, in every language, and each key to its key."""
    pairs = list(pairs)
    lookup: dict[str, str] = {key: key for key, _label in pairs}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            lookup.update({str(label).strip().lower(): key for key, label in pairs})
    return lookup
