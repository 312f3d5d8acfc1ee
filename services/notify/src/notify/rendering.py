"""Email content from the Jinja2 templates in `notify/templates/email/`: a subject, plain text
and HTML per kind of notification, under the Dvika Care brand.

The HTML templates autoescape (customers' and agents' text is never markup); the text ones
do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notify.domain.notifications import Intent
from notify.domain.ticket_facts import excerpt

_SUBJECTS = {
    "ticket_received": "[{reference}] {subject}",
    "agent_reply": "Re: [{reference}] {subject}",
    "waiting_on_customer": "Re: [{reference}] We need more information: {subject}",
    "resolved": "Re: [{reference}] Resolved: {subject}",
    "nudge": "Re: [{reference}] Still there? {subject}",
    # No brackets: an answer to staff mail must not thread into the customer's ticket.
    "assigned": "{reference} assigned to you: {subject}",
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")
    return str(value)


def _excerpt(value: Any, limit: int = 1000) -> str:
    return excerpt(str(value), limit)


class EmailRenderer:
    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("notify", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=StrictUndefined,
            trim_blocks=False,
            keep_trailing_newline=True,
        )
        self._env.filters["when"] = _when
        self._env.filters["excerpt"] = _excerpt

    def subject(self, intent: Intent) -> str:
        context = intent.context
        if intent.kind == "digest":
            return f"Dvika Care daily digest, {_when(context['until'])[:11]}"
        subject = _SUBJECTS[intent.kind].format(
            reference=context["reference"], subject=context["subject"]
        )
        # Header injection: a subject is one line.
        return " ".join(subject.split())

    def render(self, intent: Intent) -> RenderedEmail:
        subject = self.subject(intent)
        context = {"reference": None, **intent.context}
        text = self._env.get_template(f"email/{intent.kind}.txt.j2").render(context)
        html = self._env.get_template(f"email/{intent.kind}.html.j2").render(
            {**context, "title": subject}
        )
        return RenderedEmail(subject=subject, text=text.strip() + "\n", html=html)
