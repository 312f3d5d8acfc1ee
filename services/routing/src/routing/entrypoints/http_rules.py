"""`GET /rules` and `PUT /rules`: the routing rules as admins see and edit them.

The gateway checks who may (managers and admins read, admins write) and forwards here; this
service checks what: 422 with the reason for rules that cannot be used (a bad regex, an
unknown field, a duplicate id), 409 when `version` is not the stored one (someone else saved
first: read again, redo the change).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from routing.adapters.rules_store import StaleVersion, StoredRules
from routing.domain.rules import InvalidRules, parse_rules
from routing.entrypoints.rules_keeper import RulesKeeper

router = APIRouter(tags=["rules"])


class RulesRead(BaseModel):
    version: int
    updated_at: datetime
    updated_by: str | None
    rules: dict[str, Any]

    @classmethod
    def of(cls, stored: StoredRules) -> RulesRead:
        return cls(
            version=stored.version,
            updated_at=stored.updated_at,
            updated_by=stored.updated_by,
            rules=stored.rules.model_dump(mode="json"),
        )


class RulesWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The version these rules replace (the one last read).
    version: Annotated[int, Field(ge=1)]
    rules: dict[str, Any]


def _keeper(request: Request) -> RulesKeeper:
    keeper: RulesKeeper = request.app.state.rules_keeper
    if keeper.current is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the rules are not loaded yet")
    return keeper


@router.get("/rules")
async def get_rules(request: Request) -> RulesRead:
    current = _keeper(request).current
    assert current is not None
    return RulesRead.of(current)


@router.put("/rules", responses={409: {"description": "stale version"}})
async def put_rules(
    body: RulesWrite,
    request: Request,
    x_dvika_account: Annotated[str | None, Header(max_length=64)] = None,
) -> RulesRead:
    keeper = _keeper(request)
    try:
        rules = parse_rules(body.rules)
    except InvalidRules as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    try:
        stored = await keeper.replace(rules, body.version, x_dvika_account)
    except StaleVersion as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return RulesRead.of(stored)
