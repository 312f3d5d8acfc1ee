"""Admin request bodies: partial updates, queue keys, passwords and emails."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.identity.accounts import normalise_email
from gateway.identity.schemas import AccountCreate, AccountRead, AccountUpdate, QueueCreate


def test_a_patch_keeps_only_what_was_sent() -> None:
    patch = AccountUpdate.model_validate({"role": "manager"})
    assert patch.model_dump(exclude_unset=True) == {"role": "manager"}


@pytest.mark.parametrize(
    "body",
    [
        {"role": None},
        {"name": "  "},
        {"role": "root"},
        {"password": "short"},
        {"queues": ["Not A Key"]},
        {"email": "new@example.com"},
    ],
)
def test_a_bad_patch_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AccountUpdate.model_validate(body)


def test_a_new_account_needs_a_real_email_and_a_long_enough_password() -> None:
    ok = AccountCreate.model_validate(
        {"email": "Priya@Example.com", "name": "Priya", "password": "long enough"}
    )
    assert (ok.role, ok.queues, ok.active) == ("agent", [], True)
    with pytest.raises(ValidationError):
        AccountCreate.model_validate({"email": "nope", "name": "P", "password": "long enough"})
    with pytest.raises(ValidationError):
        AccountCreate.model_validate({"email": "p@example.com", "name": "P", "password": "x"})


def test_queue_keys_are_slugs() -> None:
    assert QueueCreate(key="vip-billing_2", name="VIP").key == "vip-billing_2"
    for bad in ["", "Billing", "-x", "a b", "x" * 65]:
        with pytest.raises(ValidationError):
            QueueCreate(key=bad, name="Q")


def test_emails_compare_lower_cased_and_trimmed() -> None:
    assert normalise_email("  Priya@Example.COM ") == "priya@example.com"


def test_the_account_read_model_has_no_password_field() -> None:
    assert not {f for f in AccountRead.model_fields if "password" in f or "hash" in f}
