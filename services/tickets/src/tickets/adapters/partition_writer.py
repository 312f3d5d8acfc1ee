"""One transactional producer per owned command partition: the single writer of its events.

The transactional id is stable per partition (`<prefix>-p<partition>`), not per process: when
partition p moves to another instance, that instance's producer takes over the same id,
which fences the previous owner ("zombie") and aborts whatever it left open. aiokafka cannot
send consumer-group metadata with the offsets (KIP-447), so per-partition ids are the way to
get that fencing with it.
"""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from tickets.application.partition import PartitionState


class PartitionWriter:
    def __init__(self, bootstrap_servers: str, transactional_prefix: str, partition: int) -> None:
        self.partition = partition
        self.state = PartitionState(partition=partition, partitions=1)
        self.producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            transactional_id=f"{transactional_prefix}-p{partition}",
            enable_idempotence=True,
            acks="all",
            linger_ms=2,
            max_batch_size=256 * 1024,
        )

    async def start(self) -> None:
        """Start and wait for the producer id, which is the moment older owners are fenced."""
        await self.producer.start()
        # begin_transaction waits for InitProducerId; an empty transaction costs the broker
        # nothing and leaves the producer ready.
        await self.producer.begin_transaction()
        await self.producer.abort_transaction()

    async def stop(self) -> None:
        await self.producer.stop()
