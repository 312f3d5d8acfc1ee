"""Compact histograms of durations, for percentiles over pre-aggregated buckets.

Bins are log-scaled: bin 0 holds durations under one second, bin i >= 1 holds
[2^((i-1)/8), 2^(i/8)) seconds, so every bin is about 9 % wide whatever the scale, and a
year fits in ~200 bins. A histogram is a dict from bin index (as text: MongoDB keys are
strings) to a count; summing two dicts merges their histograms exactly. A percentile read
from a histogram is the geometric middle of the bin holding the wanted rank, so it is off from
the exact value by less than one bin's width.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

BINS_PER_DOUBLING = 8

Histogram = dict[str, int]


def bin_of(seconds: float) -> int:
    if seconds < 1:
        return 0
    return 1 + math.floor(BINS_PER_DOUBLING * math.log2(seconds))


def bin_bounds(index: int) -> tuple[float, float]:
    """The half-open range [low, high) of durations in seconds that bin `index` holds."""
    if index <= 0:
        return (0.0, 1.0)
    return (2 ** ((index - 1) / BINS_PER_DOUBLING), 2 ** (index / BINS_PER_DOUBLING))


def bin_value(index: int) -> float:
    """The duration a bin stands for: its geometric middle (bin 0: half a second)."""
    if index <= 0:
        return 0.5
    low, high = bin_bounds(index)
    return math.sqrt(low * high)


def histogram_of(durations: Iterable[float]) -> Histogram:
    counts: Histogram = {}
    for seconds in durations:
        key = str(bin_of(seconds))
        counts[key] = counts.get(key, 0) + 1
    return counts


def pack(counts: Mapping[str, int]) -> str:
    """A histogram as one short string (`"bin:count bin:count"`): a stored document then
    carries one value instead of a field per bin, which FerretDB converts far faster."""
    return " ".join(f"{key}:{counts[key]}" for key in sorted(counts, key=int))


def unpack(packed: str) -> Histogram:
    counts: Histogram = {}
    for pair in packed.split():
        key, _, count = pair.partition(":")
        counts[key] = int(count)
    return counts


def merge_into(total: Histogram, more: Mapping[str, int]) -> None:
    for key, count in more.items():
        total[key] = total.get(key, 0) + int(count)


def percentile(counts: Mapping[str, int], fraction: float) -> float | None:
    """The nearest-rank percentile (rank ceil(fraction * n), at least 1); None when empty."""
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    total = sum(counts.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for index in sorted(int(key) for key in counts):
        seen += counts[str(index)]
        if seen >= rank:
            return bin_value(index)
    raise AssertionError("unreachable: the ranks add up to the total")


def exact_percentile(values: Iterable[float], fraction: float) -> float | None:
    """The same nearest-rank percentile over raw values (for checking the histogram's)."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]
