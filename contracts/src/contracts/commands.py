"""Commands on a ticket. Each travels in a `CommandEnvelope` keyed by ticket id."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from contracts.base import Command
from contracts.values import Author, Category, Channel, Customer, MessageText, Priority, Subject


class SubmitTicket(Command):
    TYPE = "ticket.submit"

    customer: Customer
    category: Category = "general"
    priority: Priority = "P3"
    subject: Subject
    message: MessageText
    channel: Channel = "web"
    # Lets a channel that may deliver twice (mail, webhooks) be recognised as the same request.
    dedupe_key: Annotated[str, Field(max_length=200)] | None = None


class PostMessage(Command):
    TYPE = "ticket.post_message"

    author: Author
    message: MessageText
    channel: Channel = "web"


COMMAND_TYPES: tuple[type[Command], ...] = (SubmitTicket, PostMessage)
