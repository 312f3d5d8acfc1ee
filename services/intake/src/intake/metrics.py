"""The intake's own Prometheus counters (the kit's shared ones count Kafka records)."""

from __future__ import annotations

from prometheus_client import Counter

MAIL_RECEIVED = Counter(
    "dvika_intake_mail_total",
    "Mail accepted by the SMTP listener, by what it became "
    "(ticket, message, automated, dead_letter).",
    ["outcome"],
)

MAIL_ATTACHMENTS = Counter(
    "dvika_intake_mail_attachments_total",
    "Attachments of accepted mail, by outcome (kept in storage, not_kept: refused by the limits).",
    ["outcome"],
)

MAIL_ATTACHMENT_BYTES = Counter(
    "dvika_intake_mail_attachment_bytes_total",
    "Decoded bytes of the attachments seen on accepted mail.",
)

PARTNER_REQUESTS = Counter(
    "dvika_intake_partner_requests_total",
    "Records read from intake.requests, by outcome (submitted, invalid).",
    ["outcome"],
)

REFERENCES_STORED = Counter(
    "dvika_intake_references_total",
    "Ticket references written to the intake's lookup (upserts, replays included).",
)

API_REQUESTS = Counter(
    "dvika_intake_api_requests_total",
    "Partner API requests, by outcome (created, repeated, unauthorized, rejected, timeout).",
    ["outcome"],
)

SLACK_REQUESTS = Counter(
    "dvika_intake_slack_requests_total",
    "Slack slash-command requests, by outcome "
    "(created, pending, status, usage, invalid, rejected, unauthorized).",
    ["outcome"],
)
