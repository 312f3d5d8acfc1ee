"""Search quality on a generated corpus (the issue's "Show" figure, printed).

200 articles, one per (product, problem) pair, written in an editor's words; 200 queries in
a customer's words (other phrasings, stop words, some typos) with the article that answers
each known (`bench.kb_corpus`, shared with `make bench`, which asks the same through the
gateway). The right article must be in the first 3 suggestions for at least 85%. Speed is the
bench's to measure (`bench/scenario_knowledge.py`), never a test's.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

# `bench` is a top-level package of the repository, not an installed one.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.kb_corpus import GeneratedArticle, filler_articles, relevance_corpus

from knowledge.adapters.article_index import ArticleIndex
from knowledge.domain.articles import Article, Content

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def _article(n: int, generated: GeneratedArticle) -> Article:
    content = Content(
        generated.title, generated.body, generated.category, generated.tags, generated.language
    )
    return Article(
        UUID(int=n + 1), 2, "published", generated.key, "gen", content, NOW, NOW, NOW, {1: content}
    )


def test_the_right_article_is_in_the_first_three_for_85_percent() -> None:
    generated, queries = relevance_corpus()
    assert len(generated) == 200
    assert len(queries) == 200
    assert len({a.key for a in generated}) == 200
    index = ArticleIndex()
    for n, article in enumerate(generated):
        index.update(_article(n, article))
    top3 = sum(
        query.expected in {hit.slug for hit in index.search(query.text, limit=3, free_text=True)}
        for query in queries
    )
    share = top3 / len(queries)
    print(f"\nknowledge relevance: right article in top 3 for {top3}/200 queries ({share:.1%})")
    assert share >= 0.85


def test_the_corpus_is_the_same_every_time_and_filler_titles_are_distinct() -> None:
    assert relevance_corpus() == relevance_corpus()
    filler = list(filler_articles(300))
    assert filler == list(filler_articles(300))
    assert len({a.title for a in filler}) == 300
    assert all(len(a.title) <= 200 and a.tags for a in filler)
