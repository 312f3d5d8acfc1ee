"""Agents' availability and capacity: the bodies that set them, the roster snapshot that
carries them to routing, and the hook that publishes every change (no servers: an in-memory
account store stands in for MongoDB, whose own behaviour the integration tests check)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from contracts.agents import DEFAULT_CAPACITY, AgentSnapshot
from gateway.identity.accounts import Account
from gateway.identity.cli import DEMO_ACCOUNTS
from gateway.identity.passwords import Passwords
from gateway.identity.schemas import AccountCreate, AccountRead, AccountUpdate, AvailabilityUpdate
from gateway.identity.service import Identity, NotFound
from gateway.identity.tokens import Tokens, new_secret
from gateway.roster import snapshot_of

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def account(**changes: Any) -> Account:
    made = Account(
        id="a1",
        email="priya@example.com",
        name="Priya Raman",
        role="agent",
        queues=("billing",),
        active=True,
        created_at=T0,
        updated_at=T0,
    )
    return replace(made, **changes)


# --- request bodies -------------------------------------------------------------------------


def test_a_new_account_is_away_with_the_default_capacity() -> None:
    body = AccountCreate.model_validate(
        {"email": "p@example.com", "name": "P", "password": "long enough"}
    )
    assert (body.available, body.capacity) == (False, DEFAULT_CAPACITY) == (False, 20)
    assert account().available is False
    assert account().capacity == DEFAULT_CAPACITY


@pytest.mark.parametrize("capacity", [0, 1, 1000])
def test_capacity_from_0_to_1000_is_accepted(capacity: int) -> None:
    assert AccountUpdate.model_validate({"capacity": capacity}).capacity == capacity


@pytest.mark.parametrize("capacity", [-1, 1001, "ten", 2.5, None])
def test_capacity_outside_0_to_1000_or_not_a_number_is_refused(capacity: object) -> None:
    with pytest.raises(ValidationError):
        AccountUpdate.model_validate({"capacity": capacity})
    with pytest.raises(ValidationError):
        AccountCreate.model_validate(
            {"email": "p@example.com", "name": "P", "password": "long enough", "capacity": capacity}
        )


def test_an_admin_patch_may_set_availability_and_keeps_only_what_was_sent() -> None:
    patch = AccountUpdate.model_validate({"available": False, "capacity": 5})
    assert patch.model_dump(exclude_unset=True) == {"available": False, "capacity": 5}


@pytest.mark.parametrize(
    "body", [{}, {"available": "yes"}, {"available": 1}, {"available": None}, {"away": True},
             {"available": True, "capacity": 3}],
)  # fmt: skip
def test_the_availability_switch_takes_exactly_a_boolean(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AvailabilityUpdate.model_validate(body)


def test_the_account_read_shows_availability_and_capacity() -> None:
    read = AccountRead.of(account(available=True, capacity=7))
    assert (read.available, read.capacity) == (True, 7)


def test_the_demo_agent_and_engineer_start_available() -> None:
    available = {demo.role: demo.available for demo in DEMO_ACCOUNTS}
    assert available == {"admin": False, "manager": False, "agent": True, "engineer": True}


# --- the roster snapshot --------------------------------------------------------------------


def test_a_snapshot_carries_what_routing_needs() -> None:
    later = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    snapshot = snapshot_of(account(available=True, capacity=3, updated_at=later, active=False))
    assert snapshot == AgentSnapshot(
        account_id="a1",
        name="Priya Raman",
        email="priya@example.com",
        role="agent",
        queues=("billing",),
        active=False,
        available=True,
        capacity=3,
        updated_at=later,
    )


# --- the change hook ------------------------------------------------------------------------


class MemoryAccounts:
    """The few `AccountStore` methods these use cases call, over a dict."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}

    async def get(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    async def create_account(self, **fields: Any) -> Account:
        fields.pop("password_hash")
        now = fields.pop("now")
        made = Account(id=str(uuid4()), created_at=now, updated_at=now, **fields)
        made = replace(made, queues=tuple(made.queues))
        self.accounts[made.id] = made
        return made

    async def update_account(
        self, account_id: str, changes: dict[str, Any], *, now: datetime
    ) -> Account | None:
        if account_id not in self.accounts:
            return None
        changes = {k: v for k, v in changes.items() if k != "password_hash"}
        self.accounts[account_id] = replace(self.accounts[account_id], **changes, updated_at=now)
        return self.accounts[account_id]

    async def missing_queues(self, keys: Any) -> list[str]:
        return []

    async def count_active_admins(self) -> int:
        return 1

    async def revoke_account(self, account_id: str) -> int:
        return 0


class Recorder:
    def __init__(self, *, fail: bool = False) -> None:
        self.changed: list[str] = []
        self.fail = fail

    async def __call__(self, account_id: str) -> None:
        self.changed.append(account_id)
        if self.fail:
            raise ConnectionError("Kafka is away")


def identity(store: MemoryAccounts, hook: Recorder) -> Identity:
    return Identity(
        store,  # type: ignore[arg-type]
        Tokens(new_secret()),
        Passwords(),
        None,
        clock=lambda: T0,
        on_account_change=hook,
    )


async def test_every_create_update_and_availability_change_is_published() -> None:
    store, hook = MemoryAccounts(), Recorder()
    people = identity(store, hook)
    made = await people.create_account(
        AccountCreate(email="p@example.com", name="P", password="long enough", capacity=4)
    )
    assert (made.available, made.capacity) == (False, 4)
    changed = await people.update_account(made.id, AccountUpdate(capacity=9))
    assert changed.capacity == 9
    switched = await people.set_availability(made.id, True)
    assert switched.available is True
    assert store.accounts[made.id].available is True
    assert hook.changed == [made.id, made.id, made.id]


async def test_a_failed_publish_does_not_undo_or_refuse_the_change() -> None:
    store, hook = MemoryAccounts(), Recorder(fail=True)
    people = identity(store, hook)
    made = await people.create_account(
        AccountCreate(email="p@example.com", name="P", password="long enough")
    )
    assert (await people.set_availability(made.id, True)).available is True
    assert hook.changed == [made.id, made.id]


async def test_availability_of_an_unknown_account_is_not_found_and_not_published() -> None:
    store, hook = MemoryAccounts(), Recorder()
    with pytest.raises(NotFound):
        await identity(store, hook).set_availability("nobody", True)
    assert hook.changed == []
