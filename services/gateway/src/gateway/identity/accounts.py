"""Staff accounts and queues as values, and the rules about them (pure: no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contracts.agents import DEFAULT_CAPACITY
from gateway.identity.roles import Role

# argon2 hashes any length, but a megabyte password costs memory for nothing: cap it.
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024
EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 120
QUEUE_KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
QUEUE_KEY_MAX_LENGTH = 64
MAX_QUEUES_PER_ACCOUNT = 100
# Most open tickets load-based assignment gives one agent (the roster's bound, 0 to 1000).
CAPACITY_MAX = 1000


@dataclass(frozen=True)
class Account:
    """A staff member who signs in to the console. Never carries the password hash."""

    id: str
    email: str
    name: str
    role: Role
    queues: tuple[str, ...]
    active: bool
    created_at: datetime
    updated_at: datetime
    # Set by the agent (`PUT /api/v1/me/availability`): routing assigns only to the available.
    available: bool = False
    capacity: int = DEFAULT_CAPACITY


@dataclass(frozen=True)
class Queue:
    key: str
    name: str
    created_at: datetime
    updated_at: datetime


def normalise_email(email: str) -> str:
    """Emails are unique case-insensitively: stored and looked up lower-cased and trimmed."""
    return email.strip().lower()


def unique_queues(keys: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Queue keys without duplicates, in their first order."""
    return tuple(dict.fromkeys(keys))


def leaves_no_admin(
    account: Account, *, new_role: Role | None, new_active: bool | None, active_admins: int
) -> bool:
    """Whether changing `account` this way would leave no active admin to manage the rest."""
    if account.role != "admin" or not account.active:
        return False
    stays_admin = (new_role or account.role) == "admin"
    stays_active = account.active if new_active is None else new_active
    return not (stays_admin and stays_active) and active_admins <= 1
