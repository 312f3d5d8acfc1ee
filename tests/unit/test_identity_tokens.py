"""Access and refresh tokens: signed, typed, expiring by the injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from gateway.identity.accounts import Account
from gateway.identity.tokens import ISSUER, InvalidToken, Tokens, new_family, new_secret

SECRET = "s" * 48
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACCOUNT = Account(
    id="0b6f7c1e-5d0a-4f0e-8a7d-2c9b4e1f3a55",
    email="priya@example.com",
    name="Priya Raman",
    role="manager",
    queues=("billing",),
    active=True,
    created_at=T0,
    updated_at=T0,
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def tokens(clock: Clock) -> Tokens:
    return Tokens(SECRET, clock=clock)


def test_an_access_token_carries_who_and_expires_in_15_minutes(tokens: Tokens) -> None:
    issued = tokens.issue_access(ACCOUNT)
    claims = tokens.decode_access(issued.token)
    assert (claims.sub, claims.role, claims.email, claims.name) == (
        ACCOUNT.id,
        "manager",
        "priya@example.com",
        "Priya Raman",
    )
    assert claims.issued_at == T0
    assert claims.expires_at == issued.expires_at == T0 + timedelta(minutes=15)
    assert claims.jti == issued.jti
    raw = jwt.decode(issued.token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert raw["typ"] == "access"
    assert raw["iss"] == ISSUER
    assert jwt.get_unverified_header(issued.token)["alg"] == "HS256"


def test_an_access_token_stops_working_at_its_expiry(tokens: Tokens, clock: Clock) -> None:
    token = tokens.issue_access(ACCOUNT).token
    clock.now = T0 + timedelta(minutes=14, seconds=59)
    assert tokens.decode_access(token).sub == ACCOUNT.id
    clock.now = T0 + timedelta(minutes=15)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.decode_access(token)


def test_a_refresh_token_lasts_14_days_and_keeps_its_family(tokens: Tokens, clock: Clock) -> None:
    family = new_family()
    issued = tokens.issue_refresh(ACCOUNT.id, family)
    clock.now = T0 + timedelta(days=13, hours=23)
    claims = tokens.decode_refresh(issued.token)
    assert (claims.sub, claims.family, claims.jti) == (ACCOUNT.id, family, issued.jti)
    assert claims.expires_at == T0 + timedelta(days=14)
    clock.now = T0 + timedelta(days=14)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.decode_refresh(issued.token)


def test_every_token_has_its_own_id(tokens: Tokens) -> None:
    ids = {tokens.issue_access(ACCOUNT).jti for _ in range(20)}
    ids |= {tokens.issue_refresh(ACCOUNT.id, "f").jti for _ in range(20)}
    assert len(ids) == 40


def test_the_two_kinds_are_not_interchangeable(tokens: Tokens) -> None:
    access = tokens.issue_access(ACCOUNT).token
    refresh = tokens.issue_refresh(ACCOUNT.id, new_family()).token
    with pytest.raises(InvalidToken, match="refresh"):
        tokens.decode_refresh(access)
    with pytest.raises(InvalidToken, match="access"):
        tokens.decode_access(refresh)


def test_ttls_come_from_the_settings(clock: Clock) -> None:
    short = Tokens(SECRET, access_ttl=timedelta(minutes=2), clock=clock)
    assert short.issue_access(ACCOUNT).expires_at == T0 + timedelta(minutes=2)


def test_a_token_signed_with_another_key_is_refused(tokens: Tokens, clock: Clock) -> None:
    other = Tokens(new_secret(), clock=clock)
    with pytest.raises(InvalidToken):
        tokens.decode_access(other.issue_access(ACCOUNT).token)


def test_a_tampered_token_is_refused(tokens: Tokens) -> None:
    header, payload, signature = tokens.issue_access(ACCOUNT).token.split(".")
    forged = jwt.encode(
        {
            **jwt.decode(
                ".".join((header, payload, signature)), options={"verify_signature": False}
            ),
            "role": "admin",
        },
        "x" * 48,
        algorithm="HS256",
    )
    mixed = ".".join((*forged.split(".")[:2], signature))
    with pytest.raises(InvalidToken):
        tokens.decode_access(mixed)


def test_an_unsigned_token_is_refused(tokens: Tokens) -> None:
    claims = {
        "iss": ISSUER,
        "sub": ACCOUNT.id,
        "typ": "access",
        "jti": "j",
        "iat": int(T0.timestamp()),
        "exp": int(T0.timestamp()) + 60,
        "role": "admin",
        "email": "x@example.com",
        "name": "X",
    }
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(InvalidToken):
        tokens.decode_access(unsigned)
    # Correctly signed but with a role that does not exist:
    bad_role = jwt.encode({**claims, "role": "root"}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken, match="role"):
        tokens.decode_access(bad_role)


@pytest.mark.parametrize("missing", ["sub", "jti", "exp", "iat", "typ", "iss"])
def test_a_token_missing_a_required_claim_is_refused(tokens: Tokens, missing: str) -> None:
    claims = {
        "iss": ISSUER,
        "sub": ACCOUNT.id,
        "typ": "access",
        "jti": "j",
        "iat": int(T0.timestamp()),
        "exp": int(T0.timestamp()) + 60,
        "role": "agent",
        "email": "x@example.com",
        "name": "X",
    }
    del claims[missing]
    with pytest.raises(InvalidToken):
        tokens.decode_access(jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x"])
def test_garbage_is_refused(tokens: Tokens, garbage: str) -> None:
    with pytest.raises(InvalidToken):
        tokens.decode_access(garbage)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Tokens("too-short")
    assert len(new_secret()) >= 32
