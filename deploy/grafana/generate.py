"""Write the Grafana dashboards in deploy/grafana/dashboards/ (run after changing this file).

One dashboard per service, the same panels for each (the kit's metrics carry the same names
in every service; Prometheus' `job` is the service, see deploy/prometheus/prometheus.yml),
plus what only that service has, a Kafka broker dashboard (the JMX exporter's metrics) and an
overview with one line per service. Generated so that the dashboards stay alike; the JSON is
committed so Grafana's file provisioning (provisioning/) reads it as is.

    python deploy/grafana/generate.py          write the JSON files
    python deploy/grafana/generate.py --check  exit 1 if a committed file is stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DASHBOARDS = Path(__file__).resolve().parent / "dashboards"
SERVICES = ("gateway", "tickets", "intake", "routing", "sla", "notify", "analytics", "knowledge")
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

# The overview's expressions: the same as the gateway's Ops summary (gateway/entrypoints/
# http_ops.py QUERIES) and the recording rules in deploy/prometheus/alerts.yml.
OVERVIEW: dict[str, tuple[str, str, str]] = {
    # title: (expression, unit, legend)
    "Instances up": ("sum by (job) (up)", "none", "{{job}}"),
    "Throughput (records consumed + produced)": (
        'sum by (job) (rate({__name__=~"dvika_messages_(consumed|produced)_total"}[1m]))',
        "ops",
        "{{job}}",
    ),
    "p95 handler latency": (
        "histogram_quantile(0.95, sum by (job, le) (rate(dvika_handler_seconds_bucket[5m])))",
        "s",
        "{{job}}",
    ),
    "Errors (handler failures + HTTP 5xx)": (
        "sum by (job) (rate(dvika_handler_errors_total[5m])"
        ' or rate(dvika_http_request_seconds_count{status=~"5.."}[5m]))',
        "ops",
        "{{job}}",
    ),
    "Consumer lag": ("sum by (job) (dvika_consumer_lag)", "none", "{{job}}"),
    "Dead letters (last hour)": (
        "sum by (job) (increase(dvika_dead_letters_total[1h]))",
        "none",
        "{{job}}",
    ),
    "Projection lag": ("max by (job) (dvika_projection_lag_seconds)", "s", "{{job}}"),
}


def _panel(title: str, targets: list[tuple[str, str]], unit: str = "none") -> dict[str, Any]:
    return {
        "type": "timeseries",
        "title": title,
        "datasource": DATASOURCE,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": e, "legendFormat": f}
            for i, (e, f) in enumerate(targets)
        ],
    }


def _service_panels(job: str) -> list[dict[str, Any]]:
    sel = f'job="{job}", instance=~"$instance"'
    panels = [
        _panel("Instances up", [(f"sum(up{{{sel}}})", "up"), (f"count(up{{{sel}}})", "all")]),
        _panel(
            "Records consumed per topic",
            [
                (f"sum by (topic) (rate(dvika_messages_consumed_total{{{sel}}}[1m]))", "{{topic}}"),
            ],
            "ops",
        ),
        _panel(
            "Records produced per topic",
            [
                (f"sum by (topic) (rate(dvika_messages_produced_total{{{sel}}}[1m]))", "{{topic}}"),
            ],
            "ops",
        ),
        _panel(
            "Handler latency (p50, p95, p99)",
            [
                (
                    f"histogram_quantile({q}, sum by (handler, le) "
                    f"(rate(dvika_handler_seconds_bucket{{{sel}}}[5m])))",
                    f"{{{{handler}}}} p{round(q * 100)}",
                )
                for q in (0.5, 0.95, 0.99)
            ],
            "s",
        ),
        _panel(
            "Handler errors",
            [
                (
                    f"sum by (handler) (rate(dvika_handler_errors_total{{{sel}}}[5m]))",
                    "{{handler}}",
                ),
            ],
            "ops",
        ),
        _panel(
            "Dead letters per source topic (last hour)",
            [(f"sum by (topic) (increase(dvika_dead_letters_total{{{sel}}}[1h]))", "{{topic}}")],
        ),
        _panel(
            "Consumer lag per partition",
            [
                (
                    f"sum by (topic, partition) (dvika_consumer_lag{{{sel}}})",
                    "{{topic}} [{{partition}}]",
                )
            ],
        ),
        _panel(
            "Projection lag",
            [(f"max by (projection) (dvika_projection_lag_seconds{{{sel}}})", "{{projection}}")],
            "s",
        ),
        _panel(
            f"The {job} service's own counters",
            [
                (
                    f'sum by (__name__) (rate({{__name__=~"dvika_{job}_.+_total", {sel}}}[5m]))',
                    "{{__name__}}",
                )
            ],
            "ops",
        ),
        _panel(
            "Process CPU and memory",
            [
                (f"rate(process_cpu_seconds_total{{{sel}}}[1m])", "cpu {{instance}}"),
                (f"process_resident_memory_bytes{{{sel}}} / 1e9", "GB {{instance}}"),
            ],
        ),
    ]
    # Every service's app counts its HTTP requests (kit.http_telemetry), by route template.
    panels += [
        _panel(
            "HTTP requests by route and status",
            [
                (
                    f"sum by (route, status) (rate(dvika_http_request_seconds_count{{{sel}}}[1m]))",
                    "{{route}} {{status}}",
                )
            ],
            "reqps",
        ),
        _panel(
            "HTTP p95 latency by route",
            [
                (
                    "histogram_quantile(0.95, sum by (route, le) "
                    f"(rate(dvika_http_request_seconds_bucket{{{sel}}}[5m])))",
                    "{{route}}",
                )
            ],
            "s",
        ),
    ]
    if job == "gateway":
        panels += [
            _panel(
                "WebSocket connections",
                [(f"sum(dvika_websocket_connections{{{sel}}})", "connections")],
            ),
        ]
    if job == "sla":
        panels += [
            _panel(
                "SLA timer lag (how late the most overdue timer is)",
                [(f"max by (timer) (dvika_timer_lag_seconds{{{sel}}})", "{{timer}}")],
                "s",
            ),
            _panel(
                "SLA commands sent by type",
                [(f"sum by (type) (rate(dvika_sla_commands_total{{{sel}}}[5m]))", "{{type}}")],
                "ops",
            ),
        ]
    return panels


def _kafka_panels() -> list[dict[str, Any]]:
    sel = 'job="kafka", instance=~"$instance"'
    return [
        _panel("Broker up", [(f"up{{{sel}}}", "{{instance}}")]),
        _panel(
            "Messages in per topic",
            [
                (
                    "sum by (topic) (rate(kafka_server_brokertopicmetrics_messagesinpersec_total"
                    f'{{{sel}, topic!=""}}[1m]))',
                    "{{topic}}",
                )
            ],
            "ops",
        ),
        _panel(
            "Bytes in and out",
            [
                (
                    f"sum(rate(kafka_server_brokertopicmetrics_bytesinpersec_total{{{sel}}}[1m]))",
                    "in",
                ),
                (
                    f"sum(rate(kafka_server_brokertopicmetrics_bytesoutpersec_total{{{sel}}}[1m]))",
                    "out",
                ),
            ],
            "Bps",
        ),
        _panel(
            "Replication health",
            [
                (
                    f"sum(kafka_server_replicamanager_underreplicatedpartitions{{{sel}}})",
                    "under-replicated",
                ),
                (
                    f"sum(kafka_server_replicamanager_underminisrpartitioncount{{{sel}}})",
                    "under min ISR",
                ),
                (
                    f"sum(kafka_controller_kafkacontroller_offlinepartitionscount{{{sel}}})",
                    "offline",
                ),
                (
                    f"sum(kafka_controller_kafkacontroller_activecontrollercount{{{sel}}})",
                    "active controllers",
                ),
            ],
        ),
        _panel(
            "Request time p99 by request",
            [
                (
                    f'kafka_network_requestmetrics_totaltimems{{{sel}, quantile="99thPercentile"}}',
                    "{{request}}",
                )
            ],
            "ms",
        ),
        _panel(
            "Request handler idle",
            [
                (
                    f"kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent{{{sel}}}",
                    "request handlers",
                ),
                (
                    f"kafka_network_socketserver_networkprocessoravgidlepercent{{{sel}}}",
                    "network processors",
                ),
            ],
            "percentunit",
        ),
        _panel(
            "JVM heap",
            [(f'sum(jvm_memory_used_bytes{{{sel}, area="heap"}})', "used")],
            "bytes",
        ),
    ]


def _variables(job: str | None) -> list[dict[str, Any]]:
    variables: list[dict[str, Any]] = [
        {
            "name": "datasource",
            "label": "Prometheus",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
        }
    ]
    if job is not None:
        variables.append(
            {
                "name": "instance",
                "label": "Instance",
                "type": "query",
                "datasource": DATASOURCE,
                "query": {"query": f'label_values(up{{job="{job}"}}, instance)', "refId": "I"},
                "definition": f'label_values(up{{job="{job}"}}, instance)',
                "refresh": 2,
                "includeAll": True,
                "multi": True,
                "allValue": ".*",
                "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
                "hide": 0,
            }
        )
    return variables


def _dashboard(
    uid: str, title: str, panels: list[dict[str, Any]], job: str | None
) -> dict[str, Any]:
    for index, panel in enumerate(panels):
        panel["id"] = index + 1
        panel["gridPos"] = {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)}
    return {
        "uid": uid,
        "title": title,
        "tags": ["dvika-care"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": _variables(job)},
        "links": [
            {
                "type": "dashboards",
                "tags": ["dvika-care"],
                "asDropdown": True,
                "title": "Dvika Care",
            }
        ],
        "panels": panels,
    }


def dashboards() -> dict[str, dict[str, Any]]:
    """File name → dashboard."""
    overview = [
        _panel(title, [(expr, legend)], unit) for title, (expr, unit, legend) in OVERVIEW.items()
    ]
    out = {"overview.json": _dashboard("dvika-overview", "Dvika Care: overview", overview, None)}
    for job in SERVICES:
        out[f"{job}.json"] = _dashboard(
            f"dvika-{job}", f"Dvika Care: {job}", _service_panels(job), job
        )
    out["kafka.json"] = _dashboard(
        "dvika-kafka", "Dvika Care: Kafka broker", _kafka_panels(), "kafka"
    )
    return out


def render(dashboard: dict[str, Any]) -> str:
    return json.dumps(dashboard, indent=2, sort_keys=True) + "\n"


def main() -> None:
    check = "--check" in sys.argv[1:]
    stale = []
    for name, dashboard in dashboards().items():
        path = DASHBOARDS / name
        text = render(dashboard)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        sys.exit(f"stale dashboards (run python deploy/grafana/generate.py): {', '.join(stale)}")


if __name__ == "__main__":
    main()
