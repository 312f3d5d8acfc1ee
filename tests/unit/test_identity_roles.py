"""The brief's view table and the role checks every staff route uses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import HTTPException

from gateway.access import Principal, require_roles
from gateway.identity.accounts import Account, leaves_no_admin
from gateway.identity.roles import ROLES, VIEW_ROLES, VIEWS, may_see_view, views_for

# Written out independently of VIEW_ROLES: My Open: agents; All Tickets and SLA Breaches:
# managers and admins; Escalation Queue: managers and engineers.
EXPECTED = {
    ("editor", "my_open"): False,
    ("editor", "all"): False,
    ("editor", "escalations"): False,
    ("editor", "sla_breaches"): False,
    ("agent", "my_open"): True,
    ("agent", "all"): False,
    ("agent", "escalations"): False,
    ("agent", "sla_breaches"): False,
    ("engineer", "my_open"): False,
    ("engineer", "all"): False,
    ("engineer", "escalations"): True,
    ("engineer", "sla_breaches"): False,
    ("manager", "my_open"): False,
    ("manager", "all"): True,
    ("manager", "escalations"): True,
    ("manager", "sla_breaches"): True,
    ("admin", "my_open"): False,
    ("admin", "all"): True,
    ("admin", "escalations"): False,
    ("admin", "sla_breaches"): True,
}


@pytest.mark.parametrize(("role", "view"), sorted(EXPECTED))
def test_the_view_table(role: str, view: str) -> None:
    assert may_see_view(role, view) is EXPECTED[(role, view)]


def test_the_table_covers_every_role_and_view() -> None:
    assert set(VIEWS) == set(VIEW_ROLES) == {"my_open", "all", "escalations", "sla_breaches"}
    assert {(r, v) for r in ROLES for v in VIEWS} == set(EXPECTED)


@pytest.mark.parametrize("view", VIEWS)
def test_nobody_without_a_role_sees_any_view(view: str) -> None:
    assert not may_see_view(None, view)
    assert not may_see_view("customer", view)


def test_unknown_views_are_seen_by_nobody() -> None:
    assert not any(may_see_view(role, "everything") for role in ROLES)


def test_views_for_a_role() -> None:
    assert views_for("manager") == ("all", "escalations", "sla_breaches")
    assert views_for("agent") == ("my_open",)
    assert views_for(None) == ()


ANONYMOUS = Principal(kind="anonymous")
CUSTOMER = Principal(kind="customer", id="ticket-1")


def staff(role: str) -> Principal:
    return Principal(kind="agent", id=f"{role}-1", role=role, email=f"{role}@x.io", name=role)  # type: ignore[arg-type]


async def _status(roles: tuple[str, ...], principal: Principal) -> int:
    check = require_roles(*roles)  # type: ignore[arg-type]
    try:
        admitted = await check(principal)
    except HTTPException as refused:
        challenge = (refused.headers or {}).get("WWW-Authenticate")
        return refused.status_code if challenge == "Bearer" or refused.status_code != 401 else 0
    return 200 if admitted is principal else 0


async def test_require_roles_answers_401_403_or_admits() -> None:
    assert await _status(("admin",), ANONYMOUS) == 401
    assert await _status(("admin",), CUSTOMER) == 403
    assert await _status(("admin",), staff("manager")) == 403
    assert await _status(("admin",), staff("admin")) == 200
    assert await _status(("manager", "admin"), staff("manager")) == 200
    assert await _status(("manager", "admin"), staff("engineer")) == 403
    for role in ROLES:
        assert await _status(ROLES, staff(role)) == 200


def test_require_roles_refuses_unknown_roles() -> None:
    with pytest.raises(ValueError, match="roles"):
        require_roles("root")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="roles"):
        require_roles()


def test_a_principal_still_acts_as_customer_or_agent() -> None:
    actor = staff("agent").actor("agent")
    assert (actor.kind, actor.id) == ("agent", "agent-1")
    assert ANONYMOUS.actor("customer").kind == "customer"
    assert ANONYMOUS.actor("customer").id is None


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def account(role: str, *, active: bool = True) -> Account:
    return Account("id", "a@x.io", "A", role, (), active, NOW, NOW)  # type: ignore[arg-type]


def test_the_last_active_admin_stays() -> None:
    admin = account("admin")
    assert leaves_no_admin(admin, new_role="manager", new_active=None, active_admins=1)
    assert leaves_no_admin(admin, new_role=None, new_active=False, active_admins=1)
    assert not leaves_no_admin(admin, new_role="manager", new_active=None, active_admins=2)
    assert not leaves_no_admin(admin, new_role="admin", new_active=True, active_admins=1)
    assert not leaves_no_admin(admin, new_role=None, new_active=None, active_admins=1)
    assert not leaves_no_admin(
        account("manager"), new_role="agent", new_active=False, active_admins=0
    )
    assert not leaves_no_admin(
        account("admin", active=False), new_role="agent", new_active=None, active_admins=1
    )
