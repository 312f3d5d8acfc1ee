"""The use cases of staff identity: sign in, renew, sign out, authenticate, administer.

HTTP routes (`gateway.entrypoints.http_auth`, `http_admin`) and the console scripts
(`gateway.identity.cli`) call these; each failure is an exception the caller maps to a status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import structlog
from pymongo import AsyncMongoClient

from gateway.identity.accounts import (
    Account,
    Queue,
    leaves_no_admin,
    normalise_email,
    unique_queues,
)
from gateway.identity.passwords import Passwords
from gateway.identity.rate_limit import RateLimiter
from gateway.identity.roles import Role
from gateway.identity.schemas import AccountCreate, AccountUpdate
from gateway.identity.store import AccountStore, DuplicateEmail, DuplicateQueue
from gateway.identity.tokens import (
    MIN_SECRET_BYTES,
    Clock,
    InvalidToken,
    IssuedToken,
    RefreshClaims,
    Tokens,
    new_family,
    new_secret,
    utc_now,
)
from gateway.settings import GatewaySettings

log = structlog.get_logger(__name__)
T = TypeVar("T")

# argon2 takes 64 MiB per hash: a few at a time, whatever the number of requests.
HASH_CONCURRENCY = 4

# Told the id of every account just created or changed (the gateway publishes the roster).
AccountChanged = Callable[[str], Awaitable[None]]


class LoginRefused(Exception):
    """Wrong email or password, or a deactivated account: one answer for all of them."""


class RateLimited(Exception):
    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"too many attempts; retry in {retry_after_s:.1f} s")
        self.retry_after_s = retry_after_s


class TokenRefused(Exception):
    """A token that is invalid, expired, revoked or already used."""


class NotFound(Exception):
    pass


class Conflict(Exception):
    pass


class InvalidInput(Exception):
    pass


class InsecureConfiguration(RuntimeError):
    """Settings the gateway refuses to start with."""


@dataclass(frozen=True)
class SignIn:
    access: IssuedToken
    refresh: IssuedToken
    expires_in: int


def jwt_secret(settings: GatewaySettings) -> str:
    """The signing key: `DVIKA_JWT_SECRET`; in development, a random one when unset."""
    if settings.jwt_secret is not None:
        secret = settings.jwt_secret.get_secret_value()
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise InsecureConfiguration(
                f"DVIKA_JWT_SECRET must have at least {MIN_SECRET_BYTES} bytes "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        return secret
    if settings.environment == "production":
        raise InsecureConfiguration(
            "DVIKA_JWT_SECRET must be set when DVIKA_ENVIRONMENT=production"
        )
    log.warning(
        "DVIKA_JWT_SECRET is unset: signing tokens with a random key of this process; "
        "they stop working when it restarts and other replicas reject them"
    )
    return new_secret()


class Identity:
    def __init__(
        self,
        store: AccountStore,
        tokens: Tokens,
        passwords: Passwords,
        limiter: RateLimiter | None,
        *,
        clock: Clock = utc_now,
        on_account_change: AccountChanged | None = None,
    ) -> None:
        self.accounts = store
        self.tokens = tokens
        self.passwords = passwords
        self.login_limiter = limiter
        self._clock = clock
        self._hashing = asyncio.Semaphore(HASH_CONCURRENCY)
        self.on_account_change = on_account_change

    @classmethod
    def from_settings(
        cls, settings: GatewaySettings, mongo: AsyncMongoClient[dict[str, Any]]
    ) -> Identity:
        """Raises InsecureConfiguration (the gateway does not start) on a bad secret."""
        tokens = Tokens(
            jwt_secret(settings),
            access_ttl=timedelta(seconds=settings.access_token_ttl_s),
            refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_s),
        )
        per_minute = settings.login_attempts_per_minute
        limiter = RateLimiter(per_minute, 60.0) if per_minute > 0 else None
        return cls(AccountStore(mongo, settings.mongodb_database), tokens, Passwords(), limiter)

    # --- signing in and out ---------------------------------------------------------------

    async def login(self, email: str, password: str, client_ip: str) -> SignIn:
        email = normalise_email(email)
        if self.login_limiter is not None:
            wait = self.login_limiter.acquire(f"ip:{client_ip}", f"email:{email}")
            if wait > 0:
                log.warning("login rate-limited", client_ip=client_ip)
                raise RateLimited(wait)
        credentials = await self.accounts.credentials(email)
        if credentials is None:
            await self._cpu(self.passwords.verify_nobody, password)
            raise LoginRefused
        if not await self._cpu(self.passwords.verify, credentials.password_hash, password):
            raise LoginRefused
        account = credentials.account
        if not account.active:
            raise LoginRefused
        if self.passwords.needs_rehash(credentials.password_hash):
            new_hash = await self._cpu(self.passwords.hash, password)
            await self.accounts.update_account(
                account.id, {"password_hash": new_hash}, now=self._clock()
            )
        log.info("signed in", account_id=account.id, role=account.role)
        return await self._sign_in(account, family=None)

    async def refresh(self, refresh_token: str) -> SignIn:
        """A new pair for a refresh token, which works once: using it again ends its family."""
        claims = self._decode_refresh(refresh_token)
        use = await self.accounts.use_refresh(
            jti=claims.jti, account_id=claims.sub, now=self._clock()
        )
        if use == "reused":
            # Someone holds a copy of a token already rotated: end that whole sign-in.
            await self.accounts.revoke_family(claims.family)
            log.warning("refresh token reused; its sign-in is revoked", account_id=claims.sub)
            raise TokenRefused("refresh token already used")
        if use == "unknown":
            raise TokenRefused("refresh token revoked")
        account = await self.accounts.get(claims.sub)
        if account is None or not account.active:
            await self.accounts.revoke_family(claims.family)
            raise TokenRefused("account unknown or deactivated")
        return await self._sign_in(account, family=claims.family)

    async def logout(self, refresh_token: str) -> None:
        """Revoke the sign-in the refresh token belongs to (idempotent)."""
        claims = self._decode_refresh(refresh_token)
        await self.accounts.revoke_family(claims.family)

    async def authenticate(self, access_token: str) -> Account:
        """The active account an access token speaks for; InvalidToken otherwise.

        The account is read on every request, so a deactivation or a role change applies at
        once rather than when the 15-minute token expires.
        """
        claims = self.tokens.decode_access(access_token)
        account = await self.accounts.get(claims.sub)
        if account is None or not account.active:
            raise InvalidToken("account unknown or deactivated")
        return account

    # --- administration -------------------------------------------------------------------

    async def create_account(self, body: AccountCreate) -> Account:
        queues = unique_queues(body.queues)
        await self._check_queues(queues)
        password_hash = await self._cpu(self.passwords.hash, body.password)
        try:
            account = await self.accounts.create_account(
                email=body.email,
                name=body.name.strip(),
                role=body.role,
                queues=queues,
                password_hash=password_hash,
                active=body.active,
                available=body.available,
                capacity=body.capacity,
                now=self._clock(),
            )
        except DuplicateEmail:
            raise Conflict(f"an account with email {normalise_email(body.email)} exists") from None
        await self._changed(account.id)
        return account

    async def update_account(self, account_id: str, patch: AccountUpdate) -> Account:
        account = await self.accounts.get(account_id)
        if account is None:
            raise NotFound("no such account")
        changes: dict[str, Any] = patch.model_dump(exclude_unset=True)
        if "queues" in changes:
            changes["queues"] = list(unique_queues(changes["queues"]))
            await self._check_queues(changes["queues"])
        if "name" in changes:
            changes["name"] = changes["name"].strip()
        new_role: Role | None = changes.get("role")
        new_active: bool | None = changes.get("active")
        if leaves_no_admin(
            account,
            new_role=new_role,
            new_active=new_active,
            active_admins=await self.accounts.count_active_admins(),
        ):
            raise Conflict("the last active admin cannot be demoted or deactivated")
        password = changes.pop("password", None)
        if password is not None:
            changes["password_hash"] = await self._cpu(self.passwords.hash, password)
        updated = await self.accounts.update_account(account_id, changes, now=self._clock())
        if updated is None:
            raise NotFound("no such account")
        if password is not None or new_active is False:
            await self.accounts.revoke_account(account_id)  # sign out everywhere
        await self._changed(account_id)
        return updated

    async def set_availability(self, account_id: str, available: bool) -> Account:
        """The agent's own switch: available for new tickets, or away."""
        updated = await self.accounts.update_account(
            account_id, {"available": available}, now=self._clock()
        )
        if updated is None:
            raise NotFound("no such account")
        await self._changed(account_id)
        return updated

    async def create_queue(self, key: str, name: str) -> Queue:
        try:
            return await self.accounts.create_queue(key, name.strip(), now=self._clock())
        except DuplicateQueue:
            raise Conflict(f"a queue with key {key!r} exists") from None

    async def update_queue(self, key: str, name: str | None) -> Queue:
        queue = (
            await self.accounts.get_queue(key)
            if name is None
            else await self.accounts.update_queue(key, name.strip(), now=self._clock())
        )
        if queue is None:
            raise NotFound("no such queue")
        return queue

    # --- helpers --------------------------------------------------------------------------

    async def _sign_in(self, account: Account, family: str | None) -> SignIn:
        access = self.tokens.issue_access(account)
        family = family or new_family()
        refresh = self.tokens.issue_refresh(account.id, family)
        await self.accounts.save_refresh(
            jti=refresh.jti,
            account_id=account.id,
            family=family,
            expires_at=refresh.expires_at,
            now=self._clock(),
        )
        return SignIn(access, refresh, int(self.tokens.access_ttl.total_seconds()))

    def _decode_refresh(self, token: str) -> RefreshClaims:
        try:
            return self.tokens.decode_refresh(token)
        except InvalidToken as error:
            raise TokenRefused(str(error)) from None

    async def _check_queues(self, keys: tuple[str, ...] | list[str]) -> None:
        missing = await self.accounts.missing_queues(keys)
        if missing:
            raise InvalidInput(f"unknown queues: {', '.join(missing)}")

    async def _changed(self, account_id: str) -> None:
        """Tell the roster, after the account is stored: a failure there is healed by the
        roster's full republish (at start and every few minutes), so it does not undo or
        refuse a change already made."""
        if self.on_account_change is None:
            return
        try:
            await self.on_account_change(account_id)
        except Exception:
            log.exception("could not publish the account to the roster", account_id=account_id)

    async def _cpu(self, work: Callable[..., T], *args: Any) -> T:
        async with self._hashing:
            return await asyncio.to_thread(work, *args)
