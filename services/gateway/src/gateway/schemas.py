"""HTTP request and response bodies of the gateway (named XCreate / XRead / XCreated)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import Category, Customer, MessageText, Priority, Subject


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: Customer
    category: Category = "general"
    priority: Priority = "P3"
    subject: Subject
    message: MessageText


class TicketCreated(BaseModel):
    id: UUID
    reference: str
    version: int


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    author: Literal["customer", "agent"] = Field(alias="from")
    message: MessageText


class ReplyCreated(BaseModel):
    id: UUID
    reference: str | None
    version: int
