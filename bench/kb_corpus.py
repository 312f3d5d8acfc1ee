"""Generated knowledge-base corpora: the relevance corpus (with known answers) and filler.

The relevance corpus is 200 articles, one per (product, problem) pair, written in an editor's
words, and 200 queries in a customer's words (other phrasings, stop words, some typos), each
with the key of the article that answers it. The unit test (tests/unit/
test_knowledge_relevance.py) indexes it in-process; `make bench` loads it through the API and
asks the gateway. Both want the right article among the first 3 for at least 85 % of queries.

Filler articles (`filler_articles`) bring a bench's knowledge base up to 5,000 published
articles: the same vocabulary mixed differently, so every query still matches many of them.

Pure: no I/O, no service imports; the same seed always gives the same corpus.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

PRODUCTS = [
    ("router", "wifi router"),
    ("printer", "laser printer"),
    ("invoice", "monthly invoice"),
    ("mobile app", "phone app"),
    ("smartwatch", "watch"),
    ("thermostat", "heating thermostat"),
    ("camera", "security camera"),
    ("subscription", "plan"),
    ("headphones", "earphones"),
    ("laptop", "notebook computer"),
    ("gift card", "voucher"),
    ("doorbell", "video doorbell"),
    ("speaker", "smart speaker"),
    ("vacuum", "robot vacuum"),
    ("tablet", "ipad"),
    ("keyboard", "wireless keyboard"),
    ("charger", "power adapter"),
    ("television", "tv"),
    ("coffee machine", "espresso maker"),
    ("bicycle", "e-bike"),
]
# (article wording, customer wording) for each problem.
PROBLEMS = [
    ("reset to factory settings", "wipe everything and start over reset"),
    ("request a refund", "money back refund please"),
    ("update the firmware", "install the latest firmware version"),
    ("fix a connection failure", "keeps disconnecting connection drops"),
    ("replace the battery", "battery dies quickly need a new battery"),
    ("change the delivery address", "ship to a different address"),
    ("cancel an order", "stop my order cancel it"),
    ("register the warranty", "warranty coverage registration"),
    ("fix a blank screen", "display stays black screen"),
    ("pair with bluetooth", "bluetooth pairing not working"),
]
FILLER = [
    "Our support team is happy to help if these steps do not solve it.",
    "This guide applies to every model sold since 2020.",
    "You can also contact us by email or chat at any time.",
    "Keep your order number at hand before you start.",
]
# Words for filler bodies besides the products' and problems' own.
SUPPORT_WORDS = [
    "account", "settings", "menu", "option", "screen", "button", "page", "device", "model",
    "version", "step", "guide", "customer", "order", "payment", "delivery", "shipping", "store",
    "online", "app", "website", "login", "password", "email", "notification", "update", "install",
    "restart", "power", "cable", "light", "sound", "error", "message", "problem", "issue", "help",
    "support", "team", "contact", "chat", "minutes", "hours", "days", "week", "month", "new",
    "old", "first", "last", "quick",
]  # fmt: skip
RELEVANCE_SEED = 9
FILLER_SEED = 5


@dataclass(frozen=True)
class GeneratedArticle:
    """What an editor writes: fields of `POST /api/v1/kb/admin/articles` plus a known key."""

    key: str
    title: str
    body: str
    category: str
    tags: tuple[str, ...]
    language: str = "en"

    def as_request(self) -> dict[str, object]:
        return {
            "title": self.title,
            "body": self.body,
            "category": self.category,
            "tags": list(self.tags),
            "language": self.language,
        }


@dataclass(frozen=True)
class Query:
    text: str
    # The key of the article that answers it.
    expected: str


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 6:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]


def relevance_corpus() -> tuple[list[GeneratedArticle], list[Query]]:
    """The 200 articles and the 200 queries with known best articles."""
    rng = random.Random(RELEVANCE_SEED)
    articles: list[GeneratedArticle] = []
    queries: list[Query] = []
    for p, (product, product_alias) in enumerate(PRODUCTS):
        for q, (problem, customer_words) in enumerate(PROBLEMS):
            key = f"a-{p}-{q}"
            body = (
                f"If you need to {problem} on the {product} ({product_alias}), follow these "
                f"steps. {customer_words.capitalize()} is a common request for the {product}. "
                + " ".join(rng.sample(FILLER, 2))
            )
            articles.append(
                GeneratedArticle(
                    key=key,
                    title=f"How to {problem} on your {product}",
                    body=body,
                    category="help",
                    tags=(product.replace(" ", "-"),),
                )
            )
            words = f"my {rng.choice([product, product_alias])} {customer_words}".split()
            if rng.random() < 0.25:
                k = rng.randrange(len(words))
                words[k] = _typo(words[k], rng)
            queries.append(Query(f"hi, {' '.join(words)}?", key))
    return articles, queries


def filler_articles(count: int, seed: int = FILLER_SEED) -> Iterator[GeneratedArticle]:
    """`count` more articles of the same vocabulary; titles (hence slugs) are all distinct."""
    rng = random.Random(seed)
    vocabulary = [
        *SUPPORT_WORDS,
        *(w for pair in PRODUCTS for name in pair for w in name.split()),
        *(w for pair in PROBLEMS for text in pair for w in text.split()),
    ]
    categories = ("help", "billing", "devices", "account", "shipping")
    for n in range(count):
        product = rng.choice(PRODUCTS)[0]
        words = rng.choices(vocabulary, k=120)
        yield GeneratedArticle(
            key=f"f-{n}",
            title=f"{' '.join(words[:5]).capitalize()} for your {product} (note {n})",
            body=" ".join(words) + ". " + " ".join(rng.sample(FILLER, 2)),
            category=rng.choice(categories),
            tags=(product.replace(" ", "-"),),
        )
