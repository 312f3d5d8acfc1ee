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
        "| scenario | metric | value | target | met | ceiling | ratio | detail |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        ceiling = "" if r.ceiling is None else f"{r.ceiling:g} {r.unit}"
        ratio = "" if r.ratio is None else f"{r.ratio:g}"
        lines.append(
            f"| {r.scenario} | {r.metric} | {r.value:g} {r.unit} | {r.target} {r.unit} | "
            f"{'yes' if r.met else 'no'} | {ceiling} | {ratio} | {r.detail} |"
        )
    return "\n".join(lines) + "\n"


def draw(results: list[Result], path: Path, title: str) -> None:
    names = [r.scenario for r in results]
    values = [r.value for r in results]
    targets = [float(r.target.lstrip("<>= ")) for r in results]
    figure, axis = plt.subplots(figsize=(8, 0.6 * len(results) + 1.5))
    colours = ["#0f766e" if r.met else "#b91c1c" for r in results]
    axis.barh(names, values, color=colours, label="measured (green: target met)")
    axis.scatter(targets, names, marker="|", s=400, color="black", label="target", zorder=3)
    axis.set_xlabel(results[0].unit if results else "")
    axis.set_title(title, fontsize=10)
    axis.invert_yaxis()
    axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
