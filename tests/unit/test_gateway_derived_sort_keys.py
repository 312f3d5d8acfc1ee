"""Documents folded by older gateways get the sort keys the list needs, and never crash it."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.adapters.ticket_store import derived_sort_keys
from gateway.domain.ticket_view import NO_SLA_DUE, sort_key

TICKET = "6f1c2d3e-0000-4000-8000-000000000001"
CREATED = datetime(2026, 3, 1, 9, 30)  # as MongoDB gives it back: no zone, UTC
UPDATED = datetime(2026, 3, 2, 10, 0)


def test_a_document_without_any_sort_key_gets_all_three_from_its_times() -> None:
    doc = {"_id": TICKET, "id": TICKET, "version": 3, "created_at": CREATED, "updated_at": UPDATED}
    keys = derived_sort_keys(doc)
    assert keys["sort_created"] == sort_key(CREATED.replace(tzinfo=UTC), TICKET)
    assert keys["sort_updated"] == sort_key(UPDATED.replace(tzinfo=UTC), TICKET)
    assert keys["sort_sla"] == f"{NO_SLA_DUE}{keys['sort_created']}"


def test_keys_a_document_has_are_kept_and_only_sort_sla_is_added() -> None:
    created = sort_key(CREATED.replace(tzinfo=UTC), TICKET)
    doc = {"_id": TICKET, "id": TICKET, "version": 1, "sort_created": created, "sort_updated": "x"}
    assert derived_sort_keys(doc) == {"sort_sla": f"{NO_SLA_DUE}{created}"}


def test_the_same_instant_gives_the_key_a_fresh_fold_writes() -> None:
    aware = CREATED.replace(tzinfo=UTC)
    doc = {"_id": TICKET, "version": 1, "created_at": aware}
    assert derived_sort_keys(doc)["sort_created"] == sort_key(aware, TICKET)
