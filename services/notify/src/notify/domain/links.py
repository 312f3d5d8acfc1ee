"""Links in notifications: the customer's tracking link (with its token), the rating link and
the console's link to a ticket.

The tracking token is the gateway's (`gateway/tracking.py`): an HMAC-SHA256 of
`ticket:{id}` under the shared tracking secret, URL-safe base64 without padding. It is
computed here again (services never import one another), and a unit test holds the two equal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from uuid import UUID

# The portal's rating widget is headed by this element (web/src/portal/RatingWidget.tsx).
RATING_ANCHOR = "rating-title"


def tracking_token(secret: bytes, ticket_id: UUID | str) -> str:
    digest = hmac.new(secret, f"ticket:{ticket_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class Links:
    tracking_secret: bytes
    # Where customers reach the portal (the gateway's DVIKA_PUBLIC_URL).
    public_url: str
    # Where staff reach the console.
    console_url: str

    def tracking_url(self, ticket_id: UUID, reference: str) -> str:
        """The same link the gateway answers a submission with (`tracking_url`)."""
        token = tracking_token(self.tracking_secret, ticket_id)
        return f"{self.public_url.rstrip('/')}/support/track/{reference}?token={token}"

    def rating_url(self, ticket_id: UUID, reference: str) -> str:
        return f"{self.tracking_url(ticket_id, reference)}#{RATING_ANCHOR}"

    def console_ticket_url(self, ticket_id: UUID) -> str:
        """The console with the ticket's panel open (`?ticket=` in useConsoleUrlState.ts)."""
        return f"{self.console_url.rstrip('/')}/admin?ticket={ticket_id}"
