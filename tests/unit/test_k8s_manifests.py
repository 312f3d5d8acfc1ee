"""The Kubernetes manifests in deploy/k8s: their structure, checked without a cluster.

The base is read through its kustomization's `resources`; the `dev` and `prod` overlays are
rendered with `kustomize build` (the project's own, built by `make k8s-tools`, else one on the
PATH) and checked as the cluster would receive them. The Strimzi `KafkaTopic`s are compared
with what deploy/k8s/generate_topics.py makes from contracts/topics.py right now.
"""

from __future__ import annotations

import base64
import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from contracts.topics import ALL_TOPICS, TICKET_PARTITIONS, TopicSpec

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = ("dev", "prod")

NAMESPACE = "dvika-care"
KAFKA_NAMESPACE = "kafka"
KAFKA_CLUSTER = "dvika-kafka"
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
# Scaled out in prod by an autoscaler: gateway on CPU, the others by the partitions they consume.
AUTOSCALED = ("gateway", "tickets", "intake", "notify", "analytics")
# One pod by design: state in memory (routing, sla) or the one writer of a log (knowledge).
SINGLE_REPLICA = ("routing", "sla", "knowledge")
# What each overlay's Kafka cluster allows.
REPLICATION = {"dev": (1, 1), "prod": (3, 2)}  # (replication factor, min.insync.replicas)
MONGO_MEMBERS = {"dev": 1, "prod": 3}

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


def of_kind(kind: str, docs: tuple[Doc, ...]) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def deployments() -> list[Doc]:
    return [doc for doc in base_docs() if doc["kind"] == "Deployment"]


def containers() -> Iterator[tuple[str, Doc]]:
    for deployment in deployments():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            yield deployment["metadata"]["name"], container


def container_of(service: str, docs: tuple[Doc, ...] | None = None) -> Doc:
    (container,) = find("Deployment", service, docs)["spec"]["template"]["spec"]["containers"]
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


def secret_refs(container: Doc) -> dict[str, bool]:
    """The Secrets a container reads with envFrom: name -> optional."""
    return {
        source["secretRef"]["name"]: bool(source["secretRef"].get("optional", False))
        for source in container.get("envFrom", [])
        if "secretRef" in source
    }


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


@cache
def rendered(overlay: str) -> tuple[Doc, ...]:
    command = _kustomize_command()
    if command is None:
        pytest.skip("neither kustomize nor kubectl is installed (make k8s-tools builds it)")
    built = subprocess.run(
        [*command, str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    return tuple(doc for doc in yaml.safe_load_all(built.stdout) if doc is not None)


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_topics", K8S / "generate_topics.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# --- files ------------------------------------------------------------------------------


def test_the_manifests_cover_every_service_of_the_workspace() -> None:
    workspace = {path.parent.name for path in (ROOT / "services").glob("*/pyproject.toml")}
    assert workspace == set(SERVICES)


def test_the_overlays_are_dev_and_prod() -> None:
    overlays = {path.parent.name for path in (K8S / "overlays").glob("*/kustomization.yaml")}
    assert overlays == set(OVERLAYS)


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
    assert len(files) >= 20
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


def test_gateway_reaches_the_services_it_forwards_to_by_their_service_names() -> None:
    container = container_of("gateway")
    folder = env_value(container, "DVIKA_LISTING_INDEX_DIR")
    assert folder is not None
    assert folder["value"] in {m["mountPath"] for m in container["volumeMounts"]}
    for variable, service in {
        "DVIKA_INTAKE_URL": "intake",
        "DVIKA_ROUTING_URL": "routing",
        "DVIKA_ANALYTICS_URL": "analytics",
        "DVIKA_KNOWLEDGE_URL": "knowledge",
        "DVIKA_NOTIFY_URL": "notify",
    }.items():
        assert env_value(container, variable) == {
            "name": variable,
            "value": f"http://{service}:{SERVICES[service]}",
        }


def test_gateway_and_intake_share_one_attachments_volume() -> None:
    claims = set()
    folders = set()
    for service in ("gateway", "intake"):
        pod = find("Deployment", service)["spec"]["template"]["spec"]
        container = container_of(service)
        folder = env_value(container, "DVIKA_ATTACHMENTS_DIR")
        assert folder is not None, service
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == folder["value"]]
        (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
        claims.add(volume["persistentVolumeClaim"]["claimName"])
        folders.add(folder["value"])
        # The pod's group owns the volume, or the non-root user could not write to it.
        assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"]
    (claim,) = claims
    assert len(folders) == 1
    # Every gateway and intake pod, on any node, mounts it.
    assert find("PersistentVolumeClaim", claim)["spec"]["accessModes"] == ["ReadWriteMany"]


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


# --- configuration and secrets -------------------------------------------------------------


def test_secrets_stay_out_of_the_configmap() -> None:
    data = find("ConfigMap", CONFIGMAP)["data"]
    for key in data:
        assert not any(word in key for word in ("SECRET", "PASSWORD", "TOKEN")), key
    assert "MONGODB_URL" not in data  # it may hold a password: the Secret dvika-mongodb
    assert data["DVIKA_ENVIRONMENT"] == "production"  # the safe default; dev says otherwise


def test_each_service_reads_only_the_secrets_it_needs() -> None:
    refs = {name: secret_refs(container) for name, container in containers()}
    assert refs["tickets"] == {}  # no MongoDB, no secret
    for service in set(SERVICES) - {"tickets"}:
        assert refs[service].get("dvika-mongodb") is False, service
    assert set(refs["gateway"]) == {"dvika-mongodb", "dvika-shared", "dvika-gateway"}
    assert set(refs["notify"]) == {"dvika-mongodb", "dvika-shared", "dvika-notify"}
    assert refs["notify"]["dvika-notify"] is True  # SMTP credentials and Slack are optional
    assert set(refs["intake"]) == {"dvika-mongodb", "dvika-intake"}


def test_the_readme_says_how_to_create_every_production_secret() -> None:
    readme = (K8S / "README.md").read_text(encoding="utf-8")
    required = {name for _, container in containers() for name in secret_refs(container)}
    for name in required:
        assert f"kubectl -n {NAMESPACE} create secret generic {name}" in readme, name
    for key in (
        "MONGODB_URL",
        "DVIKA_JWT_SECRET",
        "DVIKA_TRACKING_SECRET",
        "DVIKA_NOTIFY_ADMIN_TOKEN",
        "DVIKA_INTAKE_SLACK_SIGNING_SECRET",
        "DVIKA_NOTIFY_SMTP_USERNAME",
        "DVIKA_NOTIFY_SMTP_PASSWORD",
    ):
        assert key in readme, key


# --- Strimzi topics generated from the contracts --------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_committed_kafka_topics_are_what_the_generator_makes_now(overlay: str) -> None:
    generator = _generator()
    (env,) = [env for env in generator.ENVIRONMENTS if env.overlay == overlay]
    committed = env.path.read_text(encoding="utf-8")
    assert committed == generator.render(env), (
        f"{env.path} is stale: run `make k8s-topics` (a topic in contracts/topics.py changed)"
    )


def test_a_topic_added_to_the_contracts_makes_the_check_fail(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    generator = _generator()
    assert generator.main(["--check"]) == 0
    extra = TopicSpec(
        name="dvika.new.v1",
        partitions=2,
        retention_ms=1000,
        description="a topic nobody generated a KafkaTopic for",
        key="k",
        envelope=ALL_TOPICS[0].envelope,
    )
    monkeypatch.setattr(generator, "ALL_TOPICS", (*ALL_TOPICS, extra))
    before = {env.path: env.path.read_text(encoding="utf-8") for env in generator.ENVIRONMENTS}
    assert generator.main(["--check"]) == 1
    assert "is stale" in capsys.readouterr().err
    # --check never writes.
    assert {env.path: env.path.read_text(encoding="utf-8") for env in generator.ENVIRONMENTS} == (
        before
    )


def test_topic_resource_names_are_valid_kubernetes_names() -> None:
    generator = _generator()
    names = [generator.resource_name(spec.name) for spec in ALL_TOPICS]
    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name), name
        assert len(name) <= 63


# --- the overlays, rendered ---------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_namespaced_resource_has_its_namespace(overlay: str) -> None:
    docs = rendered(overlay)
    kafka_kinds = {"Kafka", "KafkaNodePool", "KafkaTopic"}
    for doc in docs:
        if doc["kind"] == "Namespace":
            continue
        expected = KAFKA_NAMESPACE if doc["kind"] in kafka_kinds else NAMESPACE
        assert doc["metadata"].get("namespace") == expected, (doc["kind"], doc["metadata"]["name"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_pins_the_image(overlay: str) -> None:
    (image,) = _kustomization(K8S / "overlays" / overlay)["images"]
    assert image["name"] == IMAGE
    assert image["newTag"] != "latest"
    for deployment in of_kind("Deployment", rendered(overlay)).values():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["image"] == f"{IMAGE}:{image['newTag']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_is_a_strimzi_kraft_cluster_with_a_topic_operator(overlay: str) -> None:
    docs = rendered(overlay)
    factor, min_isr = REPLICATION[overlay]
    kafka = find("Kafka", KAFKA_CLUSTER, docs)
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1"
    assert "zookeeper" not in kafka["spec"]
    assert "topicOperator" in kafka["spec"]["entityOperator"]
    config = kafka["spec"]["kafka"]["config"]
    assert config["auto.create.topics.enable"] is False
    assert config["default.replication.factor"] == factor
    assert config["min.insync.replicas"] == min_isr
    assert config["offsets.topic.replication.factor"] == factor
    assert config["transaction.state.log.replication.factor"] == factor
    assert config["transaction.state.log.min.isr"] == min_isr

    (pool,) = of_kind("KafkaNodePool", docs).values()
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER
    assert sorted(pool["spec"]["roles"]) == ["broker", "controller"]
    assert pool["spec"]["replicas"] == factor  # one replica of each partition per broker

    plain = [lst for lst in kafka["spec"]["kafka"]["listeners"] if lst["name"] == "plain"]
    (listener,) = plain
    bootstrap = f"{KAFKA_CLUSTER}-kafka-bootstrap.{KAFKA_NAMESPACE}:{listener['port']}"
    assert find("ConfigMap", CONFIGMAP, docs)["data"]["KAFKA_BOOTSTRAP_SERVERS"] == bootstrap


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_contract_topic_is_a_kafka_topic_with_the_overlays_replication(overlay: str) -> None:
    docs = rendered(overlay)
    factor, min_isr = REPLICATION[overlay]
    topics = {doc["spec"]["topicName"]: doc for doc in of_kind("KafkaTopic", docs).values()}
    assert set(topics) == {spec.name for spec in ALL_TOPICS}
    for spec in ALL_TOPICS:
        topic = topics[spec.name]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER
        assert topic["spec"]["partitions"] == spec.partitions
        assert topic["spec"]["replicas"] == factor
        config = topic["spec"]["config"]
        assert config["min.insync.replicas"] == str(min_isr)
        for key, value in spec.topic_configs().items():
            assert config[key] == value, (spec.name, key)
    events = topics["dvika.tickets.events.v1"]["spec"]
    assert events["config"]["retention.ms"] == "-1"  # the log of record is kept forever
    assert events["config"]["cleanup.policy"] == "delete"  # and never compacted
    assert topics["dvika.agents.v1"]["spec"]["config"]["cleanup.policy"] == "compact"
    assert topics["dvika.tickets.commands.v1"]["spec"]["partitions"] == TICKET_PARTITIONS
    assert find("ConfigMap", CONFIGMAP, docs)["data"]["DVIKA_TOPIC_REPLICATION_FACTOR"] == str(
        factor
    )


def test_prod_survives_one_broker_down_and_dev_runs_on_one() -> None:
    # acks=all with min.insync.replicas below the factor: a write still succeeds with a
    # broker down. With one broker there is nothing to lose.
    assert REPLICATION["prod"][1] < REPLICATION["prod"][0]
    assert REPLICATION["dev"] == (1, 1)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_mongodb_is_a_replica_set_initiated_with_every_member(overlay: str) -> None:
    docs = rendered(overlay)
    members = MONGO_MEMBERS[overlay]
    mongo = find("StatefulSet", "mongo", docs)
    assert mongo["spec"]["replicas"] == members
    (container,) = mongo["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "mongo:8"
    assert "--replSet=rs0" in container["command"]
    assert find("Service", "mongo", docs)["spec"]["clusterIP"] == "None"  # pod DNS names

    job = find("Job", "mongo-rs-initiate", docs)
    (init,) = job["spec"]["template"]["spec"]["containers"]
    assert env_value(init, "MONGO_MEMBERS") == {"name": "MONGO_MEMBERS", "value": str(members)}

    policy = find("NetworkPolicy", "mongo", docs)["spec"]
    (rule,) = policy["ingress"]
    (source,) = rule["from"]
    assert source["podSelector"]["matchLabels"] == {"app.kubernetes.io/part-of": "dvika-care"}


def test_dev_runs_one_pod_of_everything_with_its_own_secrets() -> None:
    docs = rendered("dev")
    assert of_kind("HorizontalPodAutoscaler", docs) == {}
    assert set(of_kind("PodDisruptionBudget", docs)) == {"mongo"}
    for name, deployment in of_kind("Deployment", docs).items():
        assert deployment["spec"].get("replicas", 1) == 1, name
        requests = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
        assert requests == {"cpu": "25m", "memory": "96Mi"}, name

    config = find("ConfigMap", CONFIGMAP, docs)["data"]
    assert config["DVIKA_ENVIRONMENT"] == "development"
    secrets = {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == "Secret"}
    # Every Secret a pod needs is generated (kustomize rewrote the names to the hashed ones).
    for name, deployment in of_kind("Deployment", docs).items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        for secret, optional in secret_refs(container).items():
            assert optional or secret in secrets, (name, secret)
    (mongodb,) = [doc for name, doc in secrets.items() if name.startswith("dvika-mongodb-")]
    url = base64.b64decode(mongodb["data"]["MONGODB_URL"]).decode()
    assert url == "mongodb://mongo-0.mongo:27017/?replicaSet=rs0"


def test_prod_generates_no_secret() -> None:
    docs = rendered("prod")
    assert [doc["metadata"]["name"] for doc in docs if doc["kind"] == "Secret"] == []
    assert "secretGenerator" not in _kustomization(K8S / "overlays" / "prod")
    assert find("ConfigMap", CONFIGMAP, docs)["data"]["DVIKA_ENVIRONMENT"] == "production"


# --- scaling and disruption in prod ---------------------------------------------------------


def test_prod_autoscales_exactly_the_services_that_scale_out() -> None:
    hpas = of_kind("HorizontalPodAutoscaler", rendered("prod"))
    assert set(hpas) == set(AUTOSCALED)
    for name, hpa in hpas.items():
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        assert hpa["spec"]["minReplicas"] >= 2, name
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu", name


def test_partition_consumers_scale_to_at_most_one_pod_per_partition() -> None:
    hpas = of_kind("HorizontalPodAutoscaler", rendered("prod"))
    for name in ("tickets", "intake", "notify", "analytics"):
        assert hpas[name]["spec"]["maxReplicas"] <= TICKET_PARTITIONS == 6, name
    assert hpas["gateway"]["spec"]["maxReplicas"] > hpas["gateway"]["spec"]["minReplicas"]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", AUTOSCALED)
def test_autoscaled_deployments_leave_the_replica_count_to_the_hpa(
    overlay: str, service: str
) -> None:
    assert "replicas" not in find("Deployment", service, rendered(overlay))["spec"]
    assert "replicas" not in _kustomization(K8S / "overlays" / overlay)


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SINGLE_REPLICA)
def test_single_replica_services_stay_single_and_are_recreated(overlay: str, service: str) -> None:
    docs = rendered(overlay)
    deployment = find("Deployment", service, docs)
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    assert service not in of_kind("HorizontalPodAutoscaler", docs)
    assert service not in of_kind("PodDisruptionBudget", docs)


def test_every_prod_deployment_with_more_than_one_pod_has_a_disruption_budget() -> None:
    docs = rendered("prod")
    hpas = of_kind("HorizontalPodAutoscaler", docs)
    budgets = of_kind("PodDisruptionBudget", docs)
    for name, deployment in of_kind("Deployment", docs).items():
        most = hpas[name]["spec"]["maxReplicas"] if name in hpas else deployment["spec"]["replicas"]
        if most <= 1:
            continue
        assert name in budgets, f"{name} runs up to {most} pods without a PodDisruptionBudget"
        pdb = budgets[name]["spec"]
        assert pdb["maxUnavailable"] == 1
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert pdb["selector"]["matchLabels"].items() <= pod_labels.items()


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
    prod = find("Ingress", "gateway", rendered("prod"))
    assert prod["spec"]["rules"][0]["host"] != rule["host"]  # the placeholder is replaced


# --- image --------------------------------------------------------------------------------


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
