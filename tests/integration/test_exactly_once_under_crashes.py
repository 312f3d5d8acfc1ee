"""Invariant 2: crashes and scale-out lose and duplicate nothing, versions rise by exactly 1."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conftest import Stack
from contracts.topics import TICKET_COMMANDS
from support.command_stream import assert_each_command_once, ticket_commands
from support.kafka_tools import producer, send_command
from support.processes import ServiceProcess
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


async def test_sigkill_twice_mid_stream_keeps_every_command_exactly_once(
    stack: Stack, kafka_bootstrap: str
) -> None:
    commands = ticket_commands(tickets=400, messages_per_ticket=4)  # 2,000 commands
    kill_points = {len(commands) // 3, 2 * len(commands) // 3}
    kafka = await producer(kafka_bootstrap)
    try:
        for index, envelope in enumerate(commands):
            if index in kill_points:
                stack.tickets.kill()
                # Retries of commands already sent arrive while the service is down.
                for retry in commands[index - 50 : index]:
                    await send_command(kafka, TICKET_COMMANDS.name, retry)
                await asyncio.to_thread(stack.tickets.start)
            await send_command(kafka, TICKET_COMMANDS.name, envelope)
    finally:
        await kafka.stop()
    await assert_each_command_once(kafka_bootstrap, commands)


async def test_a_second_instance_joining_and_dying_hands_partitions_over_cleanly(
    stack: Stack, kafka_bootstrap: str
) -> None:
    commands = ticket_commands(tickets=200, messages_per_ticket=4)  # 1,000 commands
    second = ServiceProcess("tickets", 18091, stack.env)
    kafka = await producer(kafka_bootstrap)
    try:
        for index, envelope in enumerate(commands):
            if index == len(commands) // 3:
                await asyncio.to_thread(second.start)
                # The group rebalances onto two owners, which split the partitions.
                taken = await eventually(
                    lambda: _owned(second), timeout_s=60, what="the second instance's share"
                )
                assert set(taken).isdisjoint(await _owned(stack.tickets))
            if index == 2 * len(commands) // 3:
                second.kill()  # its partitions go back once its session expires
            await send_command(kafka, TICKET_COMMANDS.name, envelope)
    finally:
        await kafka.stop()
        second.stop()
    await assert_each_command_once(kafka_bootstrap, commands)
    assert sorted(await _owned(stack.tickets)) == list(range(TICKET_COMMANDS.partitions))


async def _owned(service: ServiceProcess) -> list[int]:
    async with httpx.AsyncClient(base_url=service.url, timeout=5) as client:
        owned: list[int] = (await client.get("/partitions")).json()["owned"]
        return owned
