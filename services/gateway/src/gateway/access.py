"""Who is calling: the seam where access control plugs in (issue: lifecycle and access).

Every route takes a `Principal` through the `CurrentPrincipal` dependency. Today everyone is
an anonymous guest allowed to do what the foundation API offers; the access-control issue
replaces `current_principal` with real authentication and adds checks per route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends

from contracts.values import Actor


@dataclass(frozen=True)
class Principal:
    kind: Literal["anonymous", "customer", "agent"]
    id: str | None = None

    def actor(self, acting_as: Literal["customer", "agent"]) -> Actor:
        return Actor(kind=acting_as, id=self.id)


async def current_principal() -> Principal:
    return Principal(kind="anonymous")


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
