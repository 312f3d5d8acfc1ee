"""The command loop's shortcuts give exactly what the plain path gives: the customer validated
once per distinct customer, and trace headers written without making the span current."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, TraceState
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from contracts.commands import SubmitTicket
from contracts.envelopes import CommandEnvelope
from contracts.registry import parse_event_envelope
from tickets.application.partition import PartitionState
from tickets.entrypoints.command_consumer import _trace_headers
from unit.test_ticket_aggregate import command, run


def submission(customer: dict[str, Any]) -> bytes:
    payload = {"customer": customer, "subject": "Cannot log in", "message": "It says no."}
    return command(uuid4(), "ticket.submit", payload)


def submitted_customer(outcome: Any) -> dict[str, Any]:
    (event,) = outcome.events
    # What readers of the log get: the envelope as encoded, read back.
    envelope = parse_event_envelope(event.model_dump_json().encode())
    customer: dict[str, Any] = envelope.payload["customer"]
    return customer


def test_a_customer_seen_before_gives_the_same_event_as_the_first_time() -> None:
    state = PartitionState(partition=0, partitions=6)
    # An address email_validator normalises (domain in lower case): the shortcut must too.
    customer = {"name": "Grace Hopper", "email": "grace@Example.COM", "phone": "+1 555 0100"}
    first, second = run(state, submission(customer), submission(dict(customer)))
    expected = SubmitTicket.model_validate(
        {"customer": customer, "subject": "s", "message": "m"}
    ).customer.model_dump(mode="json")
    assert submitted_customer(first) == submitted_customer(second) == expected
    assert expected["email"] == "grace@example.com"


@pytest.mark.parametrize(
    ("customer", "in_reason"),
    [
        ({"name": "Ada", "email": "not-an-address"}, "customer.email"),
        ({"name": "Ada", "email": "ada@example.com", "vip": True}, "customer.vip"),
        ({"name": "   ", "email": "ada@example.com"}, "customer.name"),
        ({"name": "Ada", "email": "ada@example.com", "phone": "call me"}, "customer.phone"),
        ({"name": "Ada", "email": 42}, "customer.email"),
    ],
)
def test_a_bad_customer_is_refused_with_its_field_even_after_good_ones(
    customer: dict[str, Any], in_reason: str
) -> None:
    state = PartitionState(partition=0, partitions=6)
    good = {"name": "Ada", "email": "ada@example.com"}
    accepted, refused = run(state, submission(good), submission(customer))
    assert accepted.reply.outcome == "accepted"
    assert refused.events == []
    assert refused.reply.outcome == "rejected"
    assert refused.reply.code == "invalid"
    assert in_reason in (refused.dead_letter_reason or "")


def test_trace_headers_are_what_the_propagator_writes_for_the_span() -> None:
    tracer = TracerProvider().get_tracer(__name__)
    parent = SpanContext(
        trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
        span_id=0x00F067AA0BA902B7,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
        trace_state=TraceState([("vendor", "value")]),
    )
    span = tracer.start_span("x", context=trace.set_span_in_context(NonRecordingSpan(parent)))
    span.end()
    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier, context=trace.set_span_in_context(span))
    headers = _trace_headers(span.get_span_context())
    assert dict(headers) == {key: value.encode() for key, value in carrier.items()}
    assert dict(headers)["traceparent"].split(b"-")[1] == b"4bf92f3577b34da6a3ce929d0e0e4736"
    assert "tracestate" in carrier


def test_no_trace_headers_without_a_valid_span() -> None:
    assert _trace_headers(trace.INVALID_SPAN_CONTEXT) == []


def test_an_old_schema_version_submission_still_upcasts_with_a_known_customer() -> None:
    state = PartitionState(partition=0, partitions=6)
    customer = {"name": "Ada", "email": "ada@example.com"}
    payload = {"customer": customer, "subject": "Cannot log in", "message": "It says no."}
    v1 = CommandEnvelope.model_validate_json(command(uuid4(), "ticket.submit", payload))
    old = v1.model_copy(update={"schema_version": 1}).model_dump_json().encode()
    first, second = run(state, submission(customer), old)
    assert second.reply.outcome == "accepted"
    (event,) = second.events
    assert event.payload["attachments"] == []
    assert submitted_customer(first) == submitted_customer(second)
