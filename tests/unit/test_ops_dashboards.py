"""deploy/grafana: the committed dashboards are what generate.py makes, there is one per
service plus an overview, the overview asks what the gateway's Ops summary asks, and every
panel's PromQL parses (promtool, when installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.entrypoints.http_ops import QUERIES

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = GRAFANA / "dashboards"


def _dashboards() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in DASHBOARDS.glob("*.json")}


def _expressions(dashboard: dict[str, Any]) -> list[str]:
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_the_committed_json_is_what_the_generator_writes() -> None:
    result = subprocess.run(
        [sys.executable, str(GRAFANA / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_one_dashboard_per_local_service_plus_overview_and_kafka() -> None:
    services_sh = (ROOT / "deploy" / "local" / "services.sh").read_text()
    declared = re.search(r"^SERVICES=\(([^)]*)\)", services_sh, re.MULTILINE)
    assert declared is not None
    services = {item.split(":")[0] for item in declared.group(1).split()}
    dashboards = _dashboards()
    assert set(dashboards) == services | {"overview", "kafka"}
    uids = [d["uid"] for d in dashboards.values()]
    assert len(set(uids)) == len(uids)
    for name in services:
        exprs = _expressions(dashboards[name])
        # Every service dashboard looks at its own job only.
        assert all(f'job="{name}"' in expr for expr in exprs), name
        assert any("dvika_consumer_lag" in expr for expr in exprs)
        assert any("dvika_handler_seconds_bucket" in expr for expr in exprs)


def test_the_overview_asks_what_the_ops_summary_asks() -> None:
    overview = set(_expressions(_dashboards()["overview"]))
    for column in (
        "throughput",
        "p95_latency",
        "error_rate",
        "consumer_lag",
        "dead_letters_1h",
        "projection_lag",
    ):
        assert QUERIES[column] in overview, column


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_every_panel_expression_parses(tmp_path: Path) -> None:
    """Each expression as a recording rule: `promtool check rules` parses the PromQL."""
    rules = []
    for name, dashboard in sorted(_dashboards().items()):
        for index, expr in enumerate(_expressions(dashboard)):
            concrete = expr.replace("$instance", ".*")
            rules.append({"record": f"dashboard:{name}:{index}", "expr": concrete})
    (tmp_path / "panels.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "p", "rules": rules}]})
    )
    result = subprocess.run(
        ["promtool", "check", "rules", "panels.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout
