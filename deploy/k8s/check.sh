#!/usr/bin/env bash
# Render every Kustomization under deploy/k8s (the base, kafka/, mongodb/ and each overlay) and
# validate what it renders with kubeconform, strictly, against the Kubernetes schemas and the
# Strimzi custom resources' schemas made by deploy/k8s/schemas/generate.py. `make k8s-check`
# builds the tools and schemas first, then runs this.
#
#   deploy/k8s/check.sh                     the project's manifests
#   deploy/k8s/check.sh <dir>...            other Kustomization folders (tests use this)
#
# Every kind must have a schema: one without (a misspelt kind or apiVersion, a custom resource
# nobody made a schema for) fails the check like an invalid field. Exits non-zero when any
# resource is invalid or a Kustomization does not build.
set -euo pipefail

K8S_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)"
ROOT="$(cd "$K8S_DIR/../.." && pwd -P)"
GO_BIN="${DVIKA_GO_BIN:-$ROOT/.tools/go-bin}"
KUSTOMIZE="${KUSTOMIZE:-$GO_BIN/kustomize}"
KUBECONFORM="${KUBECONFORM:-$GO_BIN/kubeconform}"
K8S_VERSION="${K8S_VERSION:-1.34.2}"
K8S_SCHEMAS="${K8S_SCHEMAS:-$ROOT/.tools/k8s-schemas}"
CRD_SCHEMAS="${CRD_SCHEMAS:-$K8S_SCHEMAS/crds}"

for tool in "$KUSTOMIZE" "$KUBECONFORM"; do
  [[ -x "$tool" ]] || { echo "k8s-check: $tool is missing (make k8s-check builds it)" >&2; exit 2; }
done
[[ -d "$K8S_SCHEMAS/v$K8S_VERSION-standalone-strict" ]] ||
  { echo "k8s-check: no schemas in $K8S_SCHEMAS/v$K8S_VERSION-standalone-strict (make k8s-check makes them)" >&2; exit 2; }
[[ -f "$CRD_SCHEMAS/.complete" ]] ||
  { echo "k8s-check: no custom resource schemas in $CRD_SCHEMAS (make k8s-check makes them)" >&2; exit 2; }

validate() {
  "$KUBECONFORM" -strict -summary -kubernetes-version "$K8S_VERSION" \
    -schema-location "$K8S_SCHEMAS" \
    -schema-location "$CRD_SCHEMAS/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json" "$@"
}

if (($#)); then
  folders=("$@")
else
  mapfile -t folders < <(find "$K8S_DIR" -name kustomization.yaml -printf '%h\n' | sort)
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
exit "$failed"
