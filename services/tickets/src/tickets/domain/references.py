"""Short public ticket references such as `DVK-1004`.

Each command partition has one writer, so the writer can number its own tickets without
asking anyone: the n-th ticket of partition p gets `FIRST + n * partitions + p`. The number is
unique across partitions, short, and rebuilt from the log (n = tickets submitted so far).
"""

from __future__ import annotations

PREFIX = "DVK"
FIRST = 1000


def reference_for(partition: int, submitted_in_partition: int, partitions: int) -> str:
    if not 0 <= partition < partitions:
        raise ValueError(f"partition {partition} outside 0..{partitions - 1}")
    return f"{PREFIX}-{FIRST + submitted_in_partition * partitions + partition}"
