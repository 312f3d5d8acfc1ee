"""deploy/prometheus: promtool accepts the configuration and the alerting rules, and their unit
tests (alerts.test.yml) pass. Skipped when Debian's `prometheus` package (promtool) is not
installed: `make prometheus-tools` installs it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (make prometheus-tools)"
)


def promtool(*args: str, cwd: Path = PROMETHEUS_DIR) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@needs_promtool
def test_promtool_accepts_the_configuration() -> None:
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


@needs_promtool
def test_promtool_accepts_the_rules() -> None:
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_the_alert_unit_tests_pass() -> None:
    result = promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@needs_promtool
def test_promtool_refuses_a_broken_rule(tmp_path: Path) -> None:
    """The check can fail: a rule with a PromQL syntax error is refused."""
    broken = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())
    broken["groups"][0]["rules"][0]["expr"] = "sum by (job) (rate(dvika_handler_errors_total[5m]"
    (tmp_path / "alerts.yml").write_text(yaml.safe_dump(broken))
    result = promtool("check", "rules", "alerts.yml", cwd=tmp_path)
    assert result.returncode != 0
    assert "parse error" in result.stdout + result.stderr


@needs_promtool
def test_the_unit_tests_catch_a_wrong_threshold(tmp_path: Path) -> None:
    """alerts.test.yml really pins the rules: a service-down alert that waits 5 min fails it."""
    rules = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == "DvikaServiceDown":
                rule["for"] = "5m"
    (tmp_path / "alerts.yml").write_text(yaml.safe_dump(rules))
    shutil.copy(PROMETHEUS_DIR / "alerts.test.yml", tmp_path)
    result = promtool("test", "rules", "alerts.test.yml", cwd=tmp_path)
    assert result.returncode != 0
    assert "DvikaServiceDown" in result.stdout + result.stderr


def test_every_alert_has_a_unit_test() -> None:
    rules = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    tests = yaml.safe_load((PROMETHEUS_DIR / "alerts.test.yml").read_text())["tests"]
    tested = {case["alertname"] for test in tests for case in test.get("alert_rule_test", [])}
    # DvikaKafkaDown and DvikaProjectionLag are the same shape as tested ones (up == 0,
    # a gauge over a threshold); everything else must have its own case.
    assert alerts - tested <= {"DvikaKafkaDown", "DvikaProjectionLag"}
    assert {"DvikaServiceDown", "DvikaConsumerLagGrowing", "DvikaDeadLetters"} <= tested
    assert {"DvikaSlaTimersLate", "DvikaErrorRate"} <= tested


def test_every_local_service_is_scraped_on_its_port_every_5_seconds() -> None:
    """The jobs agree with the services `make run` starts (deploy/local/services.sh)."""
    services_sh = (ROOT / "deploy" / "local" / "services.sh").read_text()
    declared = re.search(r"^SERVICES=\(([^)]*)\)", services_sh, re.MULTILINE)
    assert declared is not None
    expected = dict(item.split(":") for item in declared.group(1).split())
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    assert config["global"]["scrape_interval"] == "5s"
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for name, port in expected.items():
        assert name in jobs, f"no scrape job for {name}"
        targets = [t for sc in jobs[name]["static_configs"] for t in sc["targets"]]
        assert targets == [f"127.0.0.1:{port}"]
        assert "scrape_interval" not in jobs[name]  # the global 5 s
        assert (PROMETHEUS_DIR / "targets" / f"{name}.json").read_text().strip() == "[]"
    assert "kafka" in jobs
