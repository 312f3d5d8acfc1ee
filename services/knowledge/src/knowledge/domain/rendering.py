"""Article Markdown → sanitised HTML and plain text (pure).

Authors write Markdown only: raw HTML in it is escaped, not passed through (markdown-it with
`html` off), and the result is cleaned again by nh3 (Rust's ammonia) with an allow-list of
tags and of URL schemes, so `<script>`, event handlers and `javascript:` links come out inert
whatever markdown-it lets through.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_URL_SCHEMES = {"http", "https", "mailto"}
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}
_SPACES = re.compile(r"\s+")


def render_markdown(body: str) -> str:
    """Sanitised HTML for an article body; safe to put into a page as is."""
    raw = _markdown.render(body)
    return nh3.clean(
        raw,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain_text(body: str) -> str:
    """The words of an article body, without markup: what is indexed and shown in snippets."""
    text = nh3.clean(render_markdown(body), tags=set(), attributes={})
    return _SPACES.sub(" ", html.unescape(text)).strip()
