"""`make k8s-check` (deploy/k8s/check.sh): kustomize renders deploy/k8s, kubeconform validates
it strictly against Kubernetes' own schemas; it passes on the real manifests and fails on
broken ones. Skipped until `make k8s-check` (or `make k8s-tools`) has built the tools."""

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
    or not any(SCHEMAS.glob("*-standalone-strict/.complete")),
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
    assert "deploy/k8s/base: Summary:" in output
    assert "deploy/k8s/overlays/" in output
    assert "Invalid: 0, Errors: 0" in output
    assert " Invalid: 1" not in output


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
