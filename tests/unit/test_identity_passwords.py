"""Passwords: argon2id hashes that verify the right password only."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from gateway.identity.passwords import Passwords

# Cheap parameters: the behaviour under test does not depend on the cost.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def passwords() -> Passwords:
    return Passwords(FAST)


def test_a_hash_verifies_its_password_only(passwords: Passwords) -> None:
    stored = passwords.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert passwords.verify(stored, "correct horse battery staple")
    assert not passwords.verify(stored, "correct horse battery stapler")
    assert not passwords.verify(stored, "")


def test_the_same_password_hashes_differently_each_time(passwords: Passwords) -> None:
    first, second = passwords.hash("same password"), passwords.hash("same password")
    assert first != second  # a random salt each time
    assert passwords.verify(first, "same password")
    assert passwords.verify(second, "same password")


@pytest.mark.parametrize("garbage", ["", "not a hash", "$argon2id$v=19$m=1,t=1,p=1$broken"])
def test_a_malformed_hash_verifies_nothing(passwords: Passwords, garbage: str) -> None:
    assert not passwords.verify(garbage, "anything")
    assert passwords.needs_rehash(garbage)


def test_an_unknown_account_is_checked_against_a_dummy_and_always_fails(
    passwords: Passwords,
) -> None:
    assert not passwords.verify_nobody("anything")
    assert not passwords.verify_nobody("")


def test_hashes_made_with_weaker_parameters_need_a_rehash() -> None:
    weak = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    strong = Passwords(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    old = weak.hash("pw-12345678")
    assert strong.needs_rehash(old)
    assert strong.verify(old, "pw-12345678")  # still verifies: parameters live in the hash
    assert not strong.needs_rehash(strong.hash("pw-12345678"))
