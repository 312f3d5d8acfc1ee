"""Scale-out: three tickets instances share the command partitions through crashes and joins."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conftest import Stack
from contracts.topics import TICKET_COMMANDS
from support.command_stream import assert_each_command_once, ticket_commands
from support.kafka_tools import producer, send_command
from support.ports import free_port
from support.processes import ServiceProcess
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

ALL_PARTITIONS = set(range(TICKET_COMMANDS.partitions))


async def test_three_instances_survive_a_sigkill_and_a_late_joiner_exactly_once(
    stack: Stack, kafka_bootstrap: str
) -> None:
    commands = ticket_commands(tickets=300, messages_per_ticket=4)  # 1,500 commands
    second = ServiceProcess("tickets", free_port(), stack.env)
    third = ServiceProcess("tickets", free_port(), stack.env)
    late = ServiceProcess("tickets", free_port(), stack.env)
    await asyncio.gather(asyncio.to_thread(second.start), asyncio.to_thread(third.start))
    kafka = await producer(kafka_bootstrap)
    try:
        shares = await _each_owns_a_share([stack.tickets, second, third])
        assert all(len(share) == 2 for share in shares), shares  # 6 partitions, 3 owners
        for index, envelope in enumerate(commands):
            if index == len(commands) // 3:
                second.kill()  # mid-stream: its open transaction is aborted, never half-seen
                # Retries of commands already sent land while its partitions have no owner.
                for retry in commands[index - 50 : index]:
                    await send_command(kafka, TICKET_COMMANDS.name, retry)
            if index == 2 * len(commands) // 3:
                await asyncio.to_thread(late.start)
                await _each_owns_a_share([stack.tickets, third, late])
            await send_command(kafka, TICKET_COMMANDS.name, envelope)
        await assert_each_command_once(kafka_bootstrap, commands)
        # The survivors and the late joiner still split every partition between them.
        await _each_owns_a_share([stack.tickets, third, late])
    finally:
        await kafka.stop()
        for instance in (second, third, late):
            instance.stop()
    # Back to the fixture's single instance, as the other tests expect: it owns everything.
    await eventually(
        lambda: _owns_everything(stack.tickets), timeout_s=60, what="one owner of everything"
    )


async def test_an_instance_that_cannot_reach_kafka_never_becomes_ready(stack: Stack) -> None:
    """A misconfigured replica fails loudly instead of silently owning nothing."""
    stray = ServiceProcess(
        "tickets", free_port(), {**stack.env, "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}"}
    )
    with pytest.raises(RuntimeError):
        stray.start(ready_timeout_s=8)
    stray.stop()
    assert sorted(await _owned(stack.tickets)) == sorted(ALL_PARTITIONS)


async def _each_owns_a_share(instances: list[ServiceProcess]) -> list[list[int]]:
    """Wait until every instance owns partitions and together they own each exactly once."""

    async def shares() -> list[list[int]] | None:
        owned = [await _owned(instance) for instance in instances]
        flat = [p for share in owned for p in share]
        every_one_once = sorted(flat) == sorted(ALL_PARTITIONS)
        return owned if every_one_once and all(owned) else None

    return await eventually(shares, timeout_s=60, what="the partitions split between instances")


async def _owns_everything(instance: ServiceProcess) -> bool:
    return set(await _owned(instance)) == ALL_PARTITIONS


async def _owned(service: ServiceProcess) -> list[int]:
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=5) as client:
            owned: list[int] = (await client.get("/partitions")).json()["owned"]
            return owned
    except httpx.HTTPError:
        return []  # still starting, or between two rebalances
