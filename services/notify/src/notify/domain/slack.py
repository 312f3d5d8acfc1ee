"""The Slack message of an alert (incoming-webhook JSON: `channel`, `text`, `blocks`)."""

from __future__ import annotations

from typing import Any

from notify.domain.notifications import Intent

_TARGETS = {"first_response": "first response", "resolution": "resolution"}


def _esc(value: Any) -> str:
    """Slack's mrkdwn reads `<`, `>` and `&` as markup: customers' text must not make links."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _headline(intent: Intent) -> str:
    c = {
        key: _esc(value) if isinstance(value, str) else value
        for key, value in intent.context.items()
    }
    ref = f"{c['reference']} ({c['priority']})"
    match intent.kind:
        case "p1_ticket":
            raised = c.get("raised_from")
            how = f"raised from {raised} to P1" if raised else "new P1 ticket"
            return f":rotating_light: {how}: {c['reference']} {c['subject']}"
        case "escalated":
            return f":arrow_double_up: {ref} escalated to {c['tier']}: {c['reason']}"
        case "sla_warning":
            target = _TARGETS.get(str(c["target"]), str(c["target"]))
            return f":hourglass_flowing_sand: {ref} at risk: {target} due {_time(c['due_at'])}"
        case "sla_breached":
            target = _TARGETS.get(str(c["target"]), str(c["target"]))
            return f":red_circle: {ref} breached its {target} target (due {_time(c['due_at'])})"
    return f"{ref}: {intent.kind}"


def _time(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if hasattr(value, "strftime") else str(value)


def slack_payload(intent: Intent) -> dict[str, Any]:
    c = intent.context
    headline = _headline(intent)
    details = f"{_esc(c['subject'])} · {_esc(c['customer_name'])}"
    link = f"<{c['console_url']}|Open {c['reference']} in the console>"
    return {
        "channel": intent.recipient,
        "username": "Dvika Care",
        "text": f"{headline}\n{link}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": headline}},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": details},
                    {"type": "mrkdwn", "text": link},
                ],
            },
        ],
    }
