"""The staff roster as notify needs it: each account's name, email and role.

Fed from the agent roster topic (newest snapshot per account wins).
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts.agents import AgentSnapshot


class Roster:
    def __init__(self, snapshots: Iterable[AgentSnapshot] = ()) -> None:
        self._accounts: dict[str, AgentSnapshot] = {}
        for snapshot in snapshots:
            self.apply(snapshot)

    def apply(self, snapshot: AgentSnapshot) -> None:
        known = self._accounts.get(snapshot.account_id)
        # A compacted topic read again may hand an older snapshot after a newer one.
        if known is None or known.updated_at <= snapshot.updated_at:
            self._accounts[snapshot.account_id] = snapshot

    def forget(self, account_id: str) -> None:
        self._accounts.pop(account_id, None)

    def get(self, account_id: str) -> AgentSnapshot | None:
        return self._accounts.get(account_id)

    def email_of(self, account_id: str) -> str | None:
        """Where the account's own mail goes; None for unknown, inactive or mail-less accounts."""
        found = self._accounts.get(account_id)
        if found is None or not found.active or not found.email:
            return None
        return found.email

    def managers(self) -> list[AgentSnapshot]:
        return sorted(
            (
                account
                for account in self._accounts.values()
                if account.role == "manager" and account.active and account.email
            ),
            key=lambda account: account.account_id,
        )

    def __len__(self) -> int:
        return len(self._accounts)
