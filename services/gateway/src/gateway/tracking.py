"""Customers' tracking tokens: the key to one ticket, without an account.

A token is an HMAC of the ticket id under the gateway's tracking secret (256 bits, shown as
43 URL-safe characters), so nothing has to be stored, every gateway instance can check it, and
a retried submission gets the same token. Rotating the secret invalidates every token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID


def tracking_token(secret: bytes, ticket_id: UUID | str) -> str:
    digest = hmac.new(secret, f"ticket:{ticket_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_matches(secret: bytes, ticket_id: UUID | str, token: str | None) -> bool:
    if not token:
        return False
    # Bytes, not str: compare_digest refuses non-ASCII text, and tokens come from anyone.
    return hmac.compare_digest(tracking_token(secret, ticket_id).encode(), token.encode())
