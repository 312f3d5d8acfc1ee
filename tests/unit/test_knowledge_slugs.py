"""Slugs: derived from the title, stable, unique, always URL-safe."""

from __future__ import annotations

import re

from knowledge.domain.slugs import MAX_SLUG_LENGTH, base_slug, unique_slug

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def test_slug_is_derived_from_the_title_and_stable() -> None:
    assert base_slug("How do I reset my password?") == "how-do-i-reset-my-password"
    assert base_slug("How do I reset my password?") == base_slug("How do I reset my password?")
    assert base_slug("Café & crème: refunds") == "cafe-creme-refunds"


def test_titles_without_letters_still_get_a_slug() -> None:
    assert base_slug("?!…") == "article"
    assert SLUG.match(base_slug("पासवर्ड कैसे बदलें"))


def test_long_titles_are_cut_on_a_word() -> None:
    slug = base_slug("word " * 60)
    assert len(slug) <= MAX_SLUG_LENGTH
    assert SLUG.match(slug)
    assert not slug.endswith("-")


def test_taken_slugs_get_the_smallest_free_suffix() -> None:
    taken = {"refunds"}
    assert unique_slug("Refunds", taken) == "refunds-2"
    taken |= {"refunds-2", "refunds-3"}
    assert unique_slug("Refunds", taken) == "refunds-4"
    assert unique_slug("Shipping", taken) == "shipping"


def test_slugs_that_name_other_routes_are_never_used() -> None:
    assert unique_slug("Search", set()) == "search-2"
    assert unique_slug("Suggest!", set()) == "suggest-2"
