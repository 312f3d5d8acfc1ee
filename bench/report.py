"""Bench results: the JSON file, a Markdown table, and a chart against the targets."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt


@dataclass(frozen=True)
class Result:
    scenario: str
    metric: str
    value: float
    unit: str
    target: str
    met: bool
    ceiling: float | None = None
    ratio: float | None = None
    ratio_target: float | None = None
    detail: str = ""


def write(results: list[Result], folder: Path, stem: str, header: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    as_json = folder / f"{stem}.json"
    as_json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    as_md = folder / f"{stem}.md"
    as_md.write_text(markdown(results, header))
    chart = folder / f"{stem}.png"
    draw(results, chart, header)
    return [as_json, as_md, chart]


def markdown(results: list[Result], header: str) -> str:
    lines = [
        f"{header}\n",
        "| scenario | metric | value | target | met | ceiling / peer | ratio (target) | detail |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        ceiling = "" if r.ceiling is None else f"{r.ceiling:g} {r.unit}"
        ratio = "" if r.ratio is None else f"{r.ratio:g}"
        if r.ratio_target is not None:
            ratio += f" (≥ {r.ratio_target:g})"
        lines.append(
            f"| {r.scenario} | {r.metric} | {r.value:g} {r.unit} | {r.target} {r.unit} | "
            f"{'yes' if r.met else 'no'} | {ceiling} | {ratio} | {r.detail} |"
        )
    return "\n".join(lines) + "\n"


def target_of(result: Result) -> float | None:
    try:
        return float(result.target.lstrip("<>=≥ "))
    except ValueError:
        return None  # a failed scenario's row has no target


def draw(results: list[Result], path: Path, title: str) -> None:
    """Each result as a share of its target (units differ): 1 is the target, log scale."""
    rows = [(r, t) for r in results if (t := target_of(r))]
    names = [f"{r.scenario}: {r.metric}"[:60] for r, _ in rows]
    shares = [max(r.value, 1e-3) / t for r, t in rows]
    figure, axis = plt.subplots(figsize=(10, 0.45 * len(rows) + 1.8))
    colours = ["#0f766e" if r.met else "#b91c1c" for r, _ in rows]
    axis.barh(names, shares, color=colours, label="measured / target (green: target met)")
    axis.axvline(1, color="black", linewidth=1, label="target")
    for y, ((r, _), share) in enumerate(zip(rows, shares, strict=True)):
        axis.annotate(f" {r.value:g} {r.unit} ({r.target})", (share, y), va="center", fontsize=7)
    axis.set_xscale("log")
    axis.set_xlabel("measured / target (for < targets, left of 1 is better; for >=, right)")
    axis.set_title(title, fontsize=10)
    axis.tick_params(axis="y", labelsize=7)
    axis.invert_yaxis()
    axis.legend(loc="lower right", fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
