"""Article Markdown renders to inert HTML: no script, no event handler, no javascript: link."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from knowledge.domain.rendering import plain_text, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "Hello <script src=https://evil.example/x.js></script> world",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(document.cookie))",
    "[click]( javascript:alert(1) )",
    "[click](&#106;avascript:alert(1))",
    "![img](javascript:alert(1))",
    '<a href="javascript:alert(1)">raw link</a>',
    '<img src=x onerror="alert(1)">',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    "[ref][1]\n\n[1]: javascript:alert(1)",
    '<div onclick="alert(1)">x</div>',
    "<svg onload=alert(1)>",
]


class _Elements(HTMLParser):
    """The elements a browser would build from the HTML, with their attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_markdown_renders_inert(body: str) -> None:
    html = render_markdown(body)
    for tag, attrs in _elements(html):
        assert tag not in {"script", "iframe", "svg", "div", "object", "embed", "style"}, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            if name in {"href", "src"}:
                scheme = re.sub(r"\s", "", value or "").lower().partition(":")[0]
                assert scheme in {"http", "https", "mailto"} or ":" not in (value or ""), html


def test_raw_html_is_shown_as_text_not_markup() -> None:
    html = render_markdown("Type <script>alert(1)</script> to see")
    assert "&lt;script&gt;" in html
    assert "<script" not in html


def test_ordinary_markdown_keeps_its_formatting_and_safe_links() -> None:
    html = render_markdown(
        "# Reset\n\n**Bold** and *em*, `code`, [docs](https://dvika.care/docs) "
        "and [mail](mailto:help@dvika.care)\n\n- one\n- two\n"
    )
    assert "<h1>Reset</h1>" in html
    assert "<strong>Bold</strong>" in html
    assert "<em>em</em>" in html
    assert "<code>code</code>" in html
    assert 'href="https://dvika.care/docs"' in html
    assert 'href="mailto:help@dvika.care"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<li>one</li>" in html


def test_plain_text_has_the_words_without_markup() -> None:
    text = plain_text("# Reset your *password*\n\nOpen [settings](https://x.example) &amp; go.")
    assert text == "Reset your password Open settings & go."
