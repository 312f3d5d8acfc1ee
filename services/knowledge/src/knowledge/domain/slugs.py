"""Stable, unique slugs for article URLs (pure).

A slug is chosen once, when the article is drafted, from its title; it never changes with
later revisions, so links keep working. Uniqueness is decided by the one writer, which knows
every slug in the log.
"""

from __future__ import annotations

from collections.abc import Container

from slugify import slugify

MAX_SLUG_LENGTH = 80
# Paths beside /articles/{slug}: an article called "Search" becomes "search-2".
RESERVED = frozenset({"search", "suggest"})


def base_slug(title: str) -> str:
    # Transliterated ASCII (so "Café" → "cafe"); a title with no letters at all gets "article".
    return slugify(title, max_length=MAX_SLUG_LENGTH, word_boundary=True) or "article"


def unique_slug(title: str, taken: Container[str]) -> str:
    """`base_slug(title)`, or it with the smallest suffix -2, -3 … that is not taken."""
    base = base_slug(title)
    if base not in taken and base not in RESERVED:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
