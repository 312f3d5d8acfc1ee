"""Access and refresh tokens: signed JWTs (HS256, PyJWT), pure: no I/O, clock injected.

An access token (`typ: "access"`, 15 minutes) says who is calling: `sub` (the account id),
`role`, `email`, `name`. A refresh token (`typ: "refresh"`, 14 days) only renews; its `jti`
is stored (see `gateway.identity.store`) so it works once and logout can revoke it, and its
`fam` names the sign-in it descends from, so a stolen, already-rotated token can end the
whole family.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

import jwt

from gateway.identity.accounts import Account
from gateway.identity.roles import ROLES, Role

ALGORITHM: Final = "HS256"
ISSUER: Final = "dvika-care"
# RFC 7518 §3.2: an HS256 key needs at least 256 bits.
MIN_SECRET_BYTES: Final = 32
DEFAULT_ACCESS_TTL: Final = timedelta(minutes=15)
DEFAULT_REFRESH_TTL: Final = timedelta(days=14)

TokenType = Literal["access", "refresh"]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class InvalidToken(Exception):
    """The token is malformed, forged, expired, or of the other type. Says why, for logs."""


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


@dataclass(frozen=True)
class AccessClaims:
    sub: str
    role: Role
    email: str
    name: str
    jti: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class RefreshClaims:
    sub: str
    jti: str
    family: str
    issued_at: datetime
    expires_at: datetime


def new_family() -> str:
    """The id of a new sign-in, shared by every refresh token that renews it."""
    return secrets.token_hex(16)


def new_secret() -> str:
    """A random signing key for a process that was given none (development only)."""
    return secrets.token_urlsafe(48)


class Tokens:
    def __init__(
        self,
        secret: str,
        *,
        access_ttl: timedelta = DEFAULT_ACCESS_TTL,
        refresh_ttl: timedelta = DEFAULT_REFRESH_TTL,
        clock: Clock = utc_now,
    ) -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the JWT secret must have at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self._clock = clock

    def issue_access(self, account: Account) -> IssuedToken:
        return self._issue(
            "access",
            account.id,
            self.access_ttl,
            {"role": account.role, "email": account.email, "name": account.name},
        )

    def issue_refresh(self, account_id: str, family: str) -> IssuedToken:
        """A refresh token of the sign-in `family` (see `new_family`)."""
        return self._issue("refresh", account_id, self.refresh_ttl, {"fam": family})

    def decode_access(self, token: str) -> AccessClaims:
        claims = self._decode(token, "access")
        role, email, name = claims.get("role"), claims.get("email"), claims.get("name")
        if role not in ROLES or not isinstance(email, str) or not isinstance(name, str):
            raise InvalidToken("access token without a valid role, email or name")
        return AccessClaims(
            sub=claims["sub"],
            role=role,
            email=email,
            name=name,
            jti=claims["jti"],
            issued_at=_time(claims["iat"]),
            expires_at=_time(claims["exp"]),
        )

    def decode_refresh(self, token: str) -> RefreshClaims:
        claims = self._decode(token, "refresh")
        family = claims.get("fam")
        if not isinstance(family, str) or not family:
            raise InvalidToken("refresh token without a family")
        return RefreshClaims(
            sub=claims["sub"],
            jti=claims["jti"],
            family=family,
            issued_at=_time(claims["iat"]),
            expires_at=_time(claims["exp"]),
        )

    def _issue(
        self, typ: TokenType, subject: str, ttl: timedelta, extra: dict[str, Any]
    ) -> IssuedToken:
        issued = int(self._clock().timestamp())
        expires = issued + int(ttl.total_seconds())
        jti = secrets.token_hex(16)
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "typ": typ,
            "jti": jti,
            "iat": issued,
            "exp": expires,
            **extra,
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
        return IssuedToken(token=token, jti=jti, expires_at=_time(expires))

    def _decode(self, token: str, typ: TokenType) -> dict[str, Any]:
        try:
            # Times are checked below against the injected clock, not PyJWT's time.time().
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["iss", "sub", "typ", "jti", "iat", "exp"],
                },
            )
        except jwt.InvalidTokenError as error:
            raise InvalidToken(str(error)) from None
        if claims.get("typ") != typ:
            raise InvalidToken(f"not an {typ} token" if typ == "access" else "not a refresh token")
        for name in ("sub", "jti"):
            if not isinstance(claims.get(name), str) or not claims[name]:
                raise InvalidToken(f"claim {name!r} is not a string")
        for name in ("iat", "exp"):
            if not isinstance(claims.get(name), int) or isinstance(claims[name], bool):
                raise InvalidToken(f"claim {name!r} is not a NumericDate")
        if self._clock().timestamp() >= claims["exp"]:
            raise InvalidToken("token expired")
        return claims


def _time(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
