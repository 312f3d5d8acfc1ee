"""The peer of the commands scenario: the same workload on the `eventsourcing` library.

What a Python team would write instead of our Kafka services: an `Application` with a
`Ticket` aggregate, its events stored in PostgreSQL (the bench profile's server, Debian's
packages, in a database `es_peer` of its own). Each command is one handler call that loads
the aggregate (from the library's aggregate cache, as our service holds its state in
memory) and saves its new event in one transaction, one command after the other.
"""

from __future__ import annotations

import glob
import subprocess
import time
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

DATABASE = "es_peer"


class Ticket(Aggregate):
    @event("Submitted")
    def __init__(self, customer_email: str, category: str, subject: str, message: str) -> None:
        self.customer_email = customer_email
        self.category = category
        self.subject = subject
        self.thread = [message]

    @event("MessagePosted")
    def post_message(self, author: str, message: str) -> None:
        self.thread.append(f"{author}: {message}")


class Tickets(Application[UUID]):
    def submit(self, customer_email: str, category: str, subject: str, message: str) -> UUID:
        ticket = Ticket(customer_email, category, subject, message)
        self.save(ticket)
        return ticket.id

    def post_message(self, ticket_id: UUID, author: str, message: str) -> None:
        ticket: Ticket = self.repository.get(ticket_id)
        ticket.post_message(author, message)
        self.save(ticket)


def create_database(port: int) -> None:
    """`createdb es_peer` with the binaries of the server the bench profile runs."""
    createdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/createdb"))[-1]
    subprocess.run(
        [createdb, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", DATABASE],
        check=True,
        capture_output=True,
    )


def environment(port: int) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": DATABASE,
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "",  # trust authentication on 127.0.0.1
        "AGGREGATE_CACHE_MAXSIZE": "1000000",
        "AGGREGATE_CACHE_FASTFORWARD": "n",  # one writer: the cache is always current
    }


def run_workload(port: int, tickets: int, message: str, subject: Any) -> float:
    """Commands per second: `tickets` submissions, then one message on each."""
    create_database(port)
    app = Tickets(env=environment(port))
    try:
        started = time.perf_counter()
        ids = [
            app.submit(f"b{n % 1000}@example.com", "technical", subject(n), message)
            for n in range(tickets)
        ]
        for ticket_id in ids:
            app.post_message(ticket_id, "agent", "Thanks, we are looking into it.")
        return 2 * tickets / (time.perf_counter() - started)
    finally:
        app.close()
