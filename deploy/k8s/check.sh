#!/usr/bin/env bash
# Render every Kustomization under deploy/k8s (the base and each overlay) and validate what it
# renders, plus the plain manifests in deploy/k8s/infra, with kubeconform against the
# Kubernetes schemas made by deploy/k8s/schemas/generate.py. `make k8s-check` builds the
# tools and schemas first, then runs this.
#
#   deploy/k8s/check.sh                     the project's manifests
#   deploy/k8s/check.sh <dir>...            other Kustomization folders (tests use this)
#
# Kinds without a schema (Strimzi's Kafka, KafkaNodePool, KafkaTopic: custom resources) are
# counted as skipped in the summary, not validated. Exits non-zero when any resource is
# invalid or a Kustomization does not build.
set -euo pipefail

K8S_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)"
ROOT="$(cd "$K8S_DIR/../.." && pwd -P)"
GO_BIN="${DVIKA_GO_BIN:-$ROOT/.tools/go-bin}"
KUSTOMIZE="${KUSTOMIZE:-$GO_BIN/kustomize}"
KUBECONFORM="${KUBECONFORM:-$GO_BIN/kubeconform}"
K8S_VERSION="${K8S_VERSION:-1.34.2}"
K8S_SCHEMAS="${K8S_SCHEMAS:-$ROOT/.tools/k8s-schemas}"

for tool in "$KUSTOMIZE" "$KUBECONFORM"; do
  [[ -x "$tool" ]] || { echo "k8s-check: $tool is missing (make k8s-check builds it)" >&2; exit 2; }
done
[[ -d "$K8S_SCHEMAS/v$K8S_VERSION-standalone-strict" ]] ||
  { echo "k8s-check: no schemas in $K8S_SCHEMAS/v$K8S_VERSION-standalone-strict (make k8s-check makes them)" >&2; exit 2; }

validate() {
  "$KUBECONFORM" -strict -ignore-missing-schemas -summary \
    -schema-location "$K8S_SCHEMAS" -kubernetes-version "$K8S_VERSION" "$@"
}

if (($#)); then
  folders=("$@")
  plain=()
else
  mapfile -t folders < <(find "$K8S_DIR" -name kustomization.yaml -printf '%h\n' | sort)
  plain=("$K8S_DIR/infra")
fi

failed=0
for folder in "${folders[@]}"; do
  printf '%s: ' "${folder#"$ROOT"/}"
  rendered="$(mktemp)"
  if ! "$KUSTOMIZE" build "$folder" >"$rendered"; then
    echo "kustomize build failed"; failed=1; rm -f "$rendered"; continue
  fi
  validate - <"$rendered" || failed=1
  rm -f "$rendered"
done
for folder in "${plain[@]}"; do
  [[ -d "$folder" ]] || continue
  printf '%s: ' "${folder#"$ROOT"/}"
  validate "$folder" || failed=1
done
exit "$failed"
