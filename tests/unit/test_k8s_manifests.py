"""The Kubernetes manifests in deploy/k8s: their structure, checked without a cluster.

The base is read through its kustomization's `resources`, the production overlay through its
patches; `kubectl kustomize` (or `kustomize build`) renders the overlay when one is on the PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.topics import TICKET_PARTITIONS

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
PRODUCTION = K8S / "overlays" / "production"

NAMESPACE = "dvika-care"
IMAGE = "ghcr.io/dvika-care/dvika-care"
CONFIGMAP = "dvika-config"
SERVICES = {
    "gateway": 8080,
    "tickets": 8081,
    "intake": 8082,
    "routing": 8083,
    "sla": 8084,
    "notify": 8085,
    "analytics": 8086,
    "knowledge": 8087,
}
AUTOSCALED = ("gateway", "tickets")

Doc = dict[str, Any]


def _load(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def _kustomization(directory: Path) -> Doc:
    (doc,) = _load(directory / "kustomization.yaml")
    assert isinstance(doc, dict)
    return doc


@cache
def base_docs() -> tuple[Doc, ...]:
    docs: list[Doc] = []
    for resource in _kustomization(BASE)["resources"]:
        for doc in _load(BASE / resource):
            assert isinstance(doc, dict), resource
            docs.append(doc)
    return tuple(docs)


def find(kind: str, name: str, docs: tuple[Doc, ...] | None = None) -> Doc:
    found = [
        doc
        for doc in (base_docs() if docs is None else docs)
        if doc["kind"] == kind and doc["metadata"]["name"] == name
    ]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def deployments() -> list[Doc]:
    return [doc for doc in base_docs() if doc["kind"] == "Deployment"]


def containers() -> Iterator[tuple[str, Doc]]:
    for deployment in deployments():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            yield deployment["metadata"]["name"], container


def container_of(service: str) -> Doc:
    (container,) = find("Deployment", service)["spec"]["template"]["spec"]["containers"]
    assert isinstance(container, dict)
    return container


def port_number(container: Doc, port: int | str) -> int:
    """The number a probe's or Service's `port` (a number or a port name) means."""
    if isinstance(port, int):
        return port
    numbers = [p["containerPort"] for p in container["ports"] if p.get("name") == port]
    assert numbers, f"container {container['name']} has no port named {port!r}"
    return int(numbers[0])


def env_value(container: Doc, name: str) -> Doc | None:
    entries = [entry for entry in container.get("env", []) if entry["name"] == name]
    assert len(entries) <= 1, f"{name} set twice in {container['name']}"
    return entries[0] if entries else None


def overlay_patches(kind: str, name: str) -> list[Doc]:
    patches: list[Doc] = []
    for patch in _kustomization(PRODUCTION).get("patches", []):
        if "target" in patch:
            continue  # a JSON patch: its target is checked in test_overlay_refers_to_the_base
        for doc in _load(PRODUCTION / patch["path"]):
            if doc["kind"] == kind and doc["metadata"]["name"] == name:
                patches.append(doc)
    return patches


# --- files ------------------------------------------------------------------------------


def test_the_manifests_cover_every_service_of_the_workspace() -> None:
    workspace = {path.parent.name for path in (ROOT / "services").glob("*/pyproject.toml")}
    assert workspace == set(SERVICES)


@pytest.mark.parametrize(
    "directory", sorted(path.parent for path in K8S.rglob("kustomization.yaml")), ids=str
)
def test_every_file_a_kustomization_lists_exists(directory: Path) -> None:
    kustomization = _kustomization(directory)
    assert kustomization["resources"], directory
    listed = [*kustomization["resources"], *(p["path"] for p in kustomization.get("patches", []))]
    for entry in listed:
        target = directory / entry
        assert target.is_file() or (target / "kustomization.yaml").is_file(), (
            f"{directory / 'kustomization.yaml'} lists {entry}, which does not exist"
        )


def test_every_yaml_file_parses_into_kubernetes_objects() -> None:
    files = sorted(K8S.rglob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        for doc in _load(path):
            if isinstance(doc, list):  # a JSON patch (RFC 6902)
                assert all({"op", "path"} <= set(op) for op in doc), path
                continue
            assert isinstance(doc, dict), path
            assert doc.get("apiVersion"), path
            assert doc.get("kind"), path
            if doc["kind"] != "Kustomization":
                assert doc["metadata"]["name"], path


def test_base_is_one_namespace() -> None:
    assert _kustomization(BASE)["namespace"] == NAMESPACE
    assert find("Namespace", NAMESPACE)["kind"] == "Namespace"


# --- Deployments and Services -----------------------------------------------------------


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_service_has_a_deployment_and_a_cluster_ip_service(service: str) -> None:
    deployment = find("Deployment", service)
    svc = find("Service", service)
    container = container_of(service)
    port = SERVICES[service]

    assert container["image"].split(":")[0] == IMAGE
    assert container["command"] == ["python", "-m", service]
    assert port_number(container, "http") == port
    assert env_value(container, "DVIKA_HTTP_PORT") == {
        "name": "DVIKA_HTTP_PORT",
        "value": str(port),
    }

    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()
    assert svc["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    svc_ports = {p["name"]: p for p in svc["spec"]["ports"]}
    assert port_number(container, svc_ports["http"]["targetPort"]) == port


def test_intake_takes_mail_on_its_smtp_port() -> None:
    container = container_of("intake")
    svc_ports = {p["name"]: p for p in find("Service", "intake")["spec"]["ports"]}
    assert port_number(container, svc_ports["smtp"]["targetPort"]) == 2525
    assert env_value(container, "DVIKA_INTAKE_SMTP_HOST") == {
        "name": "DVIKA_INTAKE_SMTP_HOST",
        "value": "0.0.0.0",
    }


def test_gateway_keeps_its_listing_index_on_a_volume_of_its_own() -> None:
    container = container_of("gateway")
    folder = env_value(container, "DVIKA_LISTING_INDEX_DIR")
    assert folder is not None
    assert folder["value"] in {m["mountPath"] for m in container["volumeMounts"]}
    assert env_value(container, "DVIKA_INTAKE_URL") == {
        "name": "DVIKA_INTAKE_URL",
        "value": "http://intake:8082",
    }


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_probes_use_healthz_and_readyz_on_the_container_port(service: str) -> None:
    container = container_of(service)
    port = SERVICES[service]
    expected = {
        "livenessProbe": "/healthz",
        "readinessProbe": "/readyz",
        "startupProbe": "/healthz",
    }
    for probe, path in expected.items():
        http_get = container[probe]["httpGet"]
        assert http_get["path"] == path, f"{service} {probe}"
        assert port_number(container, http_get["port"]) == port, f"{service} {probe}"


def test_tickets_has_the_most_generous_startup_probe() -> None:
    def budget_s(service: str) -> int:
        probe = container_of(service)["startupProbe"]
        return int(probe.get("periodSeconds", 10)) * int(probe.get("failureThreshold", 3))

    assert budget_s("tickets") >= 300
    assert all(budget_s("tickets") >= budget_s(other) for other in SERVICES)


def test_http_host_0_0_0_0_reaches_every_container_through_the_configmap() -> None:
    assert find("ConfigMap", CONFIGMAP)["data"]["DVIKA_HTTP_HOST"] == "0.0.0.0"
    for patch in overlay_patches("ConfigMap", CONFIGMAP):
        assert patch["data"].get("DVIKA_HTTP_HOST", "0.0.0.0") == "0.0.0.0"
    seen = set()
    for deployment, container in containers():
        sources = [source.get("configMapRef", {}).get("name") for source in container["envFrom"]]
        assert CONFIGMAP in sources, deployment
        assert env_value(container, "DVIKA_HTTP_HOST") is None, f"{deployment} overrides it"
        seen.add(deployment)
    assert seen == set(SERVICES)


def test_instance_id_is_the_pod_name() -> None:
    for deployment, container in containers():
        entry = env_value(container, "DVIKA_INSTANCE_ID")
        assert entry is not None, deployment
        assert entry["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name", deployment


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_pods_are_locked_down_and_scraped(service: str) -> None:
    pod = find("Deployment", service)["spec"]["template"]
    spec = pod["spec"]
    container = container_of(service)
    security = container["securityContext"]

    assert spec["terminationGracePeriodSeconds"] == 30
    assert security.get("runAsNonRoot", spec.get("securityContext", {}).get("runAsNonRoot")) is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind]), f"{service} {kind}"

    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(SERVICES[service])
    assert annotations["prometheus.io/path"] == "/metrics"


# --- scaling and disruption --------------------------------------------------------------


def test_tickets_autoscales_to_at_most_one_pod_per_partition() -> None:
    hpa = find("HorizontalPodAutoscaler", "tickets")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "tickets",
    }
    assert hpa["spec"]["minReplicas"] == 2
    assert hpa["spec"]["maxReplicas"] <= TICKET_PARTITIONS == 6
    for patch in overlay_patches("HorizontalPodAutoscaler", "tickets"):
        assert patch["spec"].get("maxReplicas", 0) <= TICKET_PARTITIONS


def test_gateway_autoscales_on_cpu() -> None:
    hpa = find("HorizontalPodAutoscaler", "gateway")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "gateway"
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "Resource"
    assert metric["resource"]["name"] == "cpu"


@pytest.mark.parametrize("service", AUTOSCALED)
def test_autoscaled_deployments_leave_the_replica_count_to_the_hpa(service: str) -> None:
    assert "replicas" not in find("Deployment", service)["spec"]
    overlay_replicas = {entry["name"] for entry in _kustomization(PRODUCTION).get("replicas", [])}
    assert service not in overlay_replicas


@pytest.mark.parametrize("service", AUTOSCALED)
def test_gateway_and_tickets_have_a_disruption_budget(service: str) -> None:
    pdb = find("PodDisruptionBudget", service)
    pod_labels = find("Deployment", service)["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


def test_ingress_sends_everything_to_the_gateway_with_websocket_timeouts() -> None:
    ingress = find("Ingress", "gateway")
    annotations = ingress["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/"
    backend = path["backend"]["service"]
    svc_ports = {p["name"] for p in find("Service", backend["name"])["spec"]["ports"]}
    assert backend["name"] == "gateway"
    assert backend["port"]["name"] in svc_ports


# --- production overlay ------------------------------------------------------------------


def test_overlay_points_at_the_clusters_with_replication_factor_3() -> None:
    (patch,) = overlay_patches("ConfigMap", CONFIGMAP)
    data = patch["data"]
    assert data["DVIKA_TOPIC_REPLICATION_FACTOR"] == "3"
    assert data["KAFKA_BOOTSTRAP_SERVERS"] == "dvika-kafka-kafka-bootstrap.kafka:9092"
    assert data["MONGODB_URL"].startswith("mongodb://mongo-0.mongo,mongo-1.mongo,mongo-2.mongo")
    assert "replicaSet=rs0" in data["MONGODB_URL"]


def test_overlay_refers_to_the_base() -> None:
    kustomization = _kustomization(PRODUCTION)
    assert "../../base" in kustomization["resources"]
    (image,) = kustomization["images"]
    assert image["name"] == IMAGE
    assert image["newTag"] != "latest"
    for entry in kustomization.get("replicas", []):
        find("Deployment", entry["name"])
    for patch in kustomization["patches"]:
        if "target" in patch:
            find(patch["target"]["kind"], patch["target"]["name"])
        else:
            for doc in _load(PRODUCTION / patch["path"]):
                find(doc["kind"], doc["metadata"]["name"])


def _kustomize_command() -> list[str] | None:
    # The project's own build (`make k8s-tools`, run by `make test`) first, then the PATH.
    built = ROOT / ".tools" / "go-bin" / "kustomize"
    if built.exists():
        return [str(built), "build"]
    if kustomize := shutil.which("kustomize"):
        return [kustomize, "build"]
    if kubectl := shutil.which("kubectl"):
        return [kubectl, "kustomize"]
    return None


def test_production_overlay_builds() -> None:
    command = _kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is installed")
    built = subprocess.run(
        [*command, str(PRODUCTION)], capture_output=True, text=True, timeout=120, check=False
    )
    assert built.returncode == 0, built.stderr
    docs = tuple(doc for doc in yaml.safe_load_all(built.stdout) if doc is not None)

    config = find("ConfigMap", CONFIGMAP, docs)["data"]
    assert config["DVIKA_TOPIC_REPLICATION_FACTOR"] == "3"
    assert config["DVIKA_HTTP_HOST"] == "0.0.0.0"
    assert find("HorizontalPodAutoscaler", "tickets", docs)["spec"]["maxReplicas"] <= 6
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == NAMESPACE, doc["metadata"]["name"]
        if doc["kind"] == "Deployment":
            (container,) = doc["spec"]["template"]["spec"]["containers"]
            assert (
                container["image"] == f"{IMAGE}:{_kustomization(PRODUCTION)['images'][0]['newTag']}"
            )


# --- image and infra examples ------------------------------------------------------------


def test_dockerfile_installs_every_workspace_member_without_dev_dependencies() -> None:
    dockerfile = (K8S / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in dockerfile or "PYTHON_IMAGE=python:3.11-slim" in dockerfile
    assert "uv sync --locked --no-dev" in dockerfile
    with (ROOT / "pyproject.toml").open("rb") as stream:
        patterns = tomllib.load(stream)["tool"]["uv"]["workspace"]["members"]
    members = [
        path.parent.relative_to(ROOT).as_posix()
        for pattern in patterns
        for path in sorted(ROOT.glob(f"{pattern}/pyproject.toml"))
    ]
    assert len(members) == 2 + len(SERVICES)
    for member in members:
        assert f"COPY {member}/pyproject.toml {member}/" in dockerfile, member


def test_infra_examples_match_replication_factor_3() -> None:
    docs = tuple(_load(K8S / "infra" / "kafka.yaml"))
    (pool,) = [doc for doc in docs if doc["kind"] == "KafkaNodePool"]
    config = find("Kafka", "dvika-kafka", docs)["spec"]["kafka"]["config"]
    assert pool["spec"]["replicas"] == 3
    assert config["min.insync.replicas"] == 2
    assert config["transaction.state.log.replication.factor"] == 3
    assert config["transaction.state.log.min.isr"] == 2

    mongo = find("StatefulSet", "mongo", tuple(_load(K8S / "infra" / "mongodb.yaml")))
    assert mongo["spec"]["replicas"] == 3
    assert mongo["spec"]["template"]["spec"]["containers"][0]["image"] == "mongo:8"
