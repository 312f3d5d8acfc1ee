"""The search index of published articles: title (boosted), tags, body; snippets from the body.

Only published articles are in it, so nothing a public query finds can be a draft or an
archived article. Rebuilt from the article log at every start (in its own folder on disk).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tantivy

from knowledge.adapters.text_index import TextIndex, words_query
from knowledge.domain.articles import Article
from knowledge.domain.rendering import plain_text

SEARCH_FIELDS = ["title", "tags", "body"]
BOOSTS = {"title": 3.0, "tags": 2.0, "body": 1.0}
SNIPPET_CHARS = 180


@dataclass(frozen=True)
class ArticleHit:
    id: str
    slug: str
    title: str
    category: str
    language: str
    score: float
    snippet: str
    snippet_html: str


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("slug", stored=True, tokenizer_name="raw")
    builder.add_text_field("language", stored=True, tokenizer_name="raw")
    builder.add_text_field("category", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("tags", stored=False, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    return builder.build()


class ArticleIndex:
    def __init__(self, directory: Path | None = None) -> None:
        self._index = TextIndex(_schema(), "id", directory)
        self.size = 0
        self._ids: set[str] = set()

    def update(self, article: Article) -> None:
        """Index the article if it is published, else make sure it is not in the index."""
        key = str(article.id)
        if not article.is_public:
            if key in self._ids:
                self._ids.discard(key)
                self._index.remove(key)
            return
        content = article.content
        known = key in self._ids
        self._ids.add(key)
        self._index.put(
            key,
            {
                "slug": article.slug,
                "language": content.language,
                "category": content.category,
                "title": content.title,
                # Tags written as words too ("two-factor" → "two factor") so either matches.
                "tags": " ".join(tag.replace("-", " ").replace("_", " ") for tag in content.tags),
                "body": plain_text(content.body),
            },
            new=not known,
        )

    def close(self) -> None:
        self._index.close()

    @property
    def published_count(self) -> int:
        return len(self._ids)

    def search(
        self, text: str, *, limit: int = 5, language: str | None = None, free_text: bool = False
    ) -> list[ArticleHit]:
        """Best first. `free_text`: what a customer is typing (any word may match); otherwise
        the query language (phrases in quotes, `+word`, `-word`). No hit → retried fuzzily
        (one typo per word)."""
        query_text = words_query(text) if free_text else text.strip()
        if not query_text:
            return []
        searcher = self._index.searcher()
        for fuzzy in (False, True):
            query = self._index.parse(query_text, SEARCH_FIELDS, BOOSTS, fuzzy=fuzzy)
            if language:
                query = tantivy.Query.boolean_query(
                    [
                        (tantivy.Occur.Must, query),
                        (
                            tantivy.Occur.Must,
                            tantivy.Query.term_query(self._index.schema, "language", language),
                        ),
                    ]
                )
            hits = searcher.search(query, limit, count=False).hits
            if hits:
                return self._hits(searcher, query, hits)
        return []

    def _hits(
        self,
        searcher: tantivy.Searcher,
        query: tantivy.Query,
        hits: list[tuple[float, tantivy.DocAddress]],
    ) -> list[ArticleHit]:
        snippets = tantivy.SnippetGenerator.create(searcher, query, self._index.schema, "body")
        snippets.set_max_num_chars(SNIPPET_CHARS)
        found = []
        for score, address in hits:
            doc = searcher.doc(address)
            snippet = snippets.snippet_from_doc(doc)
            fragment = snippet.fragment()
            body = str(doc.get_first("body") or "")
            if not fragment:
                # No body word matched (a title hit): the body's opening instead.
                fragment = body[:SNIPPET_CHARS]
            found.append(
                ArticleHit(
                    id=str(doc.get_first("id")),
                    slug=str(doc.get_first("slug")),
                    title=str(doc.get_first("title")),
                    category=str(doc.get_first("category")),
                    language=str(doc.get_first("language")),
                    score=round(float(score), 4),
                    snippet=fragment,
                    snippet_html=snippet.to_html() or _escape(fragment),
                )
            )
        return found


def _escape(text: str) -> str:
    import html

    return html.escape(text)
