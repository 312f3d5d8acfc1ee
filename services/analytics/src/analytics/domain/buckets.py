"""The daily buckets: everything the reports read, computed wholly from one day's facts.

A ticket counts on the local day it was created (its `created_day`), so a change to a ticket
only ever changes that day's buckets. One bucket per (day, channel, category, priority,
queue, assignee) holds counts, sums and duration histograms; the reports add buckets up and
never look at single tickets. A day is always recomputed whole, never incremented, so doing
it twice (after a crash, a replay) gives the same documents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from analytics.domain.facts import TicketFact
from analytics.domain.histogram import Histogram, bin_of

DIMENSIONS = ("channel", "category", "priority", "queue", "assignee")
# Rating comments kept per bucket, newest first: enough for a report's "latest comments".
COMMENTS_PER_BUCKET = 10
# Every bucket is a cell of the cube; the field stays so BI queries written against the
# earlier layout (which also stored per-day rollups) keep counting each ticket once.
CUBE = "cube"


def bucket_id(day: str, key: tuple[str | None, ...]) -> str:
    """A stable id for (day, dimension values): the day, then a digest of the values."""
    digest = hashlib.sha1(repr(key).encode(), usedforsecurity=False).hexdigest()[:16]
    return f"{day}|{digest}"


def _add(histogram: Histogram, seconds: float) -> None:
    key = str(bin_of(seconds))
    histogram[key] = histogram.get(key, 0) + 1


def _empty(day: str, weekday: int, key: tuple[str | None, ...]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "_id": bucket_id(day, key),
        "day": day,
        "weekday": weekday,
        "rollup": CUBE,
    }
    document.update(zip(DIMENSIONS, key, strict=True))
    document.update(
        created=0,
        open=0,
        resolved=0,
        closed=0,
        escalated=0,
        frt_count=0,
        frt_sum_s=0.0,
        frt_hist={},
        res_count=0,
        res_sum_s=0.0,
        res_hist={},
        frt_business_count=0,
        frt_business_sum_s=0.0,
        frt_business_hist={},
        res_business_count=0,
        res_business_sum_s=0.0,
        res_business_hist={},
        rated_good=0,
        rated_bad=0,
        comments=[],
        sla_tracked=0,
        sla_breached=0,
        sla_first_response_breached=0,
        sla_resolution_breached=0,
        hours={},
    )
    return document


def day_buckets(day: str, facts: Iterable[TicketFact]) -> list[dict[str, Any]]:
    """The bucket documents of `day` from every fact created that day."""
    buckets: dict[tuple[str | None, ...], dict[str, Any]] = {}
    comments: dict[tuple[str | None, ...], list[tuple[datetime, dict[str, Any]]]] = {}
    for fact in facts:
        if fact.created_day != day:
            raise ValueError(f"a fact of {fact.created_day} among those of {day}")
        key: tuple[str | None, ...] = (
            fact.channel,
            fact.category,
            fact.priority,
            fact.queue,
            fact.assignee,
        )
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = _empty(day, fact.created_weekday, key)
        bucket["created"] += 1
        bucket["open"] += int(fact.is_open)
        bucket["resolved"] += int(fact.resolved_at is not None)
        bucket["closed"] += int(fact.closed_at is not None)
        bucket["escalated"] += int(fact.escalated)
        hour = str(fact.created_hour)
        bucket["hours"][hour] = bucket["hours"].get(hour, 0) + 1
        if (first := fact.first_response_s) is not None:
            bucket["frt_count"] += 1
            bucket["frt_sum_s"] += first
            _add(bucket["frt_hist"], first)
        if (resolution := fact.resolution_s) is not None:
            bucket["res_count"] += 1
            bucket["res_sum_s"] += resolution
            _add(bucket["res_hist"], resolution)
        if (first := fact.first_response_business_s) is not None:
            bucket["frt_business_count"] += 1
            bucket["frt_business_sum_s"] += first
            _add(bucket["frt_business_hist"], first)
        if (resolution := fact.resolution_business_s) is not None:
            bucket["res_business_count"] += 1
            bucket["res_business_sum_s"] += resolution
            _add(bucket["res_business_hist"], resolution)
        if fact.rating == "good":
            bucket["rated_good"] += 1
        elif fact.rating == "bad":
            bucket["rated_bad"] += 1
        if fact.rating is not None and fact.rating_comment and fact.rated_at is not None:
            comments.setdefault(key, []).append(
                (
                    fact.rated_at,
                    {
                        "reference": fact.reference,
                        "rating": fact.rating,
                        "comment": fact.rating_comment,
                        "rated_at": fact.rated_at,
                    },
                )
            )
        bucket["sla_tracked"] += int(fact.sla_tracked)
        bucket["sla_breached"] += int(bool(fact.sla_breached))
        bucket["sla_first_response_breached"] += int("first_response" in fact.sla_breached)
        bucket["sla_resolution_breached"] += int("resolution" in fact.sla_breached)
    for key, found in comments.items():
        found.sort(key=lambda pair: (pair[0], pair[1]["reference"]), reverse=True)
        buckets[key]["comments"] = [entry for _, entry in found[:COMMENTS_PER_BUCKET]]
    return sorted(buckets.values(), key=lambda bucket: str(bucket["_id"]))
