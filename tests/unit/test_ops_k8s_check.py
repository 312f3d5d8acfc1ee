"""`make k8s-check` (deploy/k8s/check.sh): kustomize renders deploy/k8s (base, kafka, mongodb,
the dev and prod overlays), kubeconform validates it strictly against Kubernetes' own schemas
and the Strimzi custom resources' schemas (made from Strimzi's CRDs); it passes on the real
manifests and fails on broken ones, Strimzi resources included. Skipped until `make k8s-check`
(or `make k8s-tools`) has built the tools."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "deploy" / "k8s" / "check.sh"
GO_BIN = ROOT / ".tools" / "go-bin"
SCHEMAS = ROOT / ".tools" / "k8s-schemas"

pytestmark = pytest.mark.skipif(
    not ((GO_BIN / "kustomize").exists() and (GO_BIN / "kubeconform").exists())
    or not any(SCHEMAS.glob("*-standalone-strict/.complete"))
    or not (SCHEMAS / "crds" / ".complete").exists(),
    reason="kustomize/kubeconform or the schemas are not built yet: run `make k8s-tools`",
)

BROKEN_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  replicaz: 2
  selector:
    matchLabels: {app: broken}
  template:
    metadata:
      labels: {app: broken}
    spec:
      containers:
        - name: broken
          image: example/broken:1
          ports:
            - containerPort: http
"""


def check(*folders: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK), *map(str, folders)], capture_output=True, text=True, timeout=300, check=False
    )


def test_the_real_manifests_pass() -> None:
    result = check()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    lines = {line.split(": ", 1)[0]: line for line in output.splitlines()}
    for folder in ("base", "kafka", "mongodb", "overlays/dev", "overlays/prod"):
        line = lines[f"deploy/k8s/{folder}"]
        # Every resource validated against a schema: none skipped, Strimzi's included.
        assert "Invalid: 0, Errors: 0, Skipped: 0" in line, line
    assert " Invalid: 1" not in output


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_a_broken_kafka_topic_in_a_real_overlay_fails(tmp_path: Path, overlay: str) -> None:
    """A KafkaTopic (generated, then hand-edited wrongly) fails against Strimzi's schema."""
    k8s = tmp_path / "k8s"
    shutil.copytree(ROOT / "deploy" / "k8s", k8s)
    topics = k8s / "overlays" / overlay / "kafka-topics.yaml"
    text = topics.read_text()
    assert "  partitions: 6\n" in text
    topics.write_text(text.replace("  partitions: 6\n", "  partitions: six\n  replica: 3\n", 1))
    result = check(k8s / "overlays" / overlay)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "KafkaTopic" in output
    assert "'replica' not allowed" in output
    assert "want integer" in output


def test_a_broken_kafka_cluster_fails(tmp_path: Path) -> None:
    k8s = tmp_path / "k8s"
    shutil.copytree(ROOT / "deploy" / "k8s", k8s)
    kafka = k8s / "kafka" / "kafka.yaml"
    text = kafka.read_text()
    assert "    - broker\n" in text
    assert "  entityOperator:\n" in text
    kafka.write_text(
        text.replace("    - broker\n", "    - brokers\n", 1).replace(
            "  entityOperator:\n", "  entityOperators:\n", 1
        )
    )
    result = check(k8s / "kafka")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "KafkaNodePool dual-role is invalid" in output
    assert "Kafka dvika-kafka is invalid" in output
    assert "'entityOperators' not allowed" in output


def test_a_kind_without_a_schema_fails(tmp_path: Path) -> None:
    """Strimzi's old API version (or any misspelt kind) is not skipped silently."""
    (tmp_path / "topic.yaml").write_text(
        "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\n"
        "metadata: {name: t}\nspec: {partitions: 1, replicas: 1}\n"
    )
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - topic.yaml\n")
    result = check(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "could not find schema for KafkaTopic" in output


def test_a_broken_deployment_fails(tmp_path: Path) -> None:
    (tmp_path / "deployment.yaml").write_text(BROKEN_DEPLOYMENT)
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - deployment.yaml\n")
    result = check(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Invalid: 1" in output
    assert "'replicaz' not allowed" in output
    assert "containerPort" in output


def test_a_broken_real_manifest_fails(tmp_path: Path) -> None:
    """The project's base with one field misspelt in one Deployment."""
    base = tmp_path / "base"
    shutil.copytree(ROOT / "deploy" / "k8s" / "base", base)
    gateway = base / "gateway.yaml"
    text = gateway.read_text()
    assert "readinessProbe:" in text
    gateway.write_text(text.replace("readinessProbe:", "readinessProbes:", 1))
    result = check(base)
    assert result.returncode != 0
    assert "'readinessProbes' not allowed" in result.stdout + result.stderr


def test_a_kustomization_that_does_not_build_fails(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - missing.yaml\n")
    result = check(tmp_path)
    assert result.returncode != 0
    assert "kustomize build failed" in result.stdout
