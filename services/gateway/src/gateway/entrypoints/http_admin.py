"""`/api/v1/admin`: admins manage staff accounts and queues. Everyone else: 401 or 403."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from gateway.access import identity_dependency, require_roles
from gateway.identity.accounts import QUEUE_KEY_MAX_LENGTH, QUEUE_KEY_PATTERN
from gateway.identity.roles import Role
from gateway.identity.schemas import (
    AccountCreate,
    AccountList,
    AccountRead,
    AccountUpdate,
    QueueCreate,
    QueueList,
    QueueRead,
    QueueUpdate,
)
from gateway.identity.service import Conflict, Identity, InvalidInput, NotFound

router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    dependencies=[Depends(require_roles("admin"))],
    responses={
        401: {"description": "not signed in"},
        403: {"description": "signed in, but not an admin"},
    },
)

IdentityDep = Annotated[Identity, Depends(identity_dependency)]
AccountId = Annotated[UUID, Path(description="the account's id")]
QueueKeyPath = Annotated[
    str, Path(max_length=QUEUE_KEY_MAX_LENGTH, pattern=QUEUE_KEY_PATTERN, examples=["billing"])
]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such account or queue"}}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "conflicts with another"}}


def _http(error: Exception) -> HTTPException:
    if isinstance(error, NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(error))
    if isinstance(error, Conflict):
        return HTTPException(status.HTTP_409_CONFLICT, str(error))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))


# --- agents (every staff account, whatever its role) ----------------------------------------


@router.get("/agents")
async def list_agents(
    identity: IdentityDep,
    role: Annotated[Role | None, Query(description="only this role")] = None,
    active: Annotated[bool | None, Query(description="only (in)active accounts")] = None,
) -> AccountList:
    """Every staff account, by email."""
    accounts = await identity.accounts.list_accounts(role=role, active=active)
    return AccountList(items=[AccountRead.of(a) for a in accounts])


@router.post("/agents", status_code=status.HTTP_201_CREATED, responses=_CONFLICT)
async def create_agent(body: AccountCreate, identity: IdentityDep) -> AccountRead:
    """A new staff account. 409 when the email is taken, 422 for an unknown queue."""
    try:
        return AccountRead.of(await identity.create_account(body))
    except (Conflict, InvalidInput) as error:
        raise _http(error) from None


@router.get("/agents/{account_id}", responses=_NOT_FOUND)
async def get_agent(account_id: AccountId, identity: IdentityDep) -> AccountRead:
    account = await identity.accounts.get(str(account_id))
    if account is None:
        raise _http(NotFound("no such account"))
    return AccountRead.of(account)


@router.patch("/agents/{account_id}", responses={**_NOT_FOUND, **_CONFLICT})
async def update_agent(
    account_id: AccountId, body: AccountUpdate, identity: IdentityDep
) -> AccountRead:
    """Change role, name, queues, active, availability or capacity, or reset the password.

    Capacity (0-1000) bounds how many open tickets load-based assignment gives the account;
    every change is published to the agent roster (`dvika.agents.v1`).

    A password reset or a deactivation signs the account out everywhere (its refresh tokens
    are revoked). The last active admin cannot be demoted or deactivated (409).
    """
    try:
        return AccountRead.of(await identity.update_account(str(account_id), body))
    except (NotFound, Conflict, InvalidInput) as error:
        raise _http(error) from None


# --- queues ---------------------------------------------------------------------------------


@router.get("/queues")
async def list_queues(identity: IdentityDep) -> QueueList:
    """Every queue, by key."""
    return QueueList(items=[QueueRead.of(q) for q in await identity.accounts.list_queues()])


@router.post("/queues", status_code=status.HTTP_201_CREATED, responses=_CONFLICT)
async def create_queue(body: QueueCreate, identity: IdentityDep) -> QueueRead:
    """A new queue. 409 when the key is taken."""
    try:
        return QueueRead.of(await identity.create_queue(body.key, body.name))
    except Conflict as error:
        raise _http(error) from None


@router.patch("/queues/{key}", responses=_NOT_FOUND)
async def update_queue(key: QueueKeyPath, body: QueueUpdate, identity: IdentityDep) -> QueueRead:
    """Rename a queue (its key never changes: accounts and tickets refer to it)."""
    try:
        return QueueRead.of(await identity.update_queue(key, body.name))
    except NotFound as error:
        raise _http(error) from None
