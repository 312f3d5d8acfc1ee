"""Kubernetes JSON Schemas for kubeconform, made from Kubernetes' own OpenAPI v3 documents.

kubeconform's default schemas live on a web host this project's machines cannot reach, so
`make k8s-check` makes its own: the OpenAPI v3 documents ship in the Go module
`k8s.io/kubernetes` (`api/openapi-spec/v3/*.json`), fetched through the Go module proxy into
the Go module cache. Each kind with an `x-kubernetes-group-version-kind` becomes one file in
kubeconform's layout, `<dir>/v<version>-standalone-strict/<kind>-<group>-<version>.json`:
its schema plus every definition it reaches (local `#/definitions/...` references), strict
(`additionalProperties: false` on every object that lists its properties), so a misspelt
field fails like a wrong type does.

    python deploy/k8s/schemas/generate.py <openapi-spec/v3 dir> <out dir> <k8s version>

Custom resources (Strimzi's Kafka, KafkaNodePool, KafkaTopic) get theirs from their
CustomResourceDefinitions (JSON, as Strimzi's CRD generator writes them; see
schemas/strimzi/pom.xml): each served version's `openAPIV3Schema`, made strict the same way, as
`<out dir>/<group>/<kind>_<version>.json`, which kubeconform finds with the schema location
`<out dir>/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`.

    python deploy/k8s/schemas/generate.py crds <CRD .json dir> <out dir>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

_REF_PREFIX = "#/components/schemas/"


def _strict(node: Any) -> Any:
    """A copy of `node` with local refs, `nullable` as a JSON Schema type and strict objects."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
        out["$ref"] = "#/definitions/" + ref.removeprefix(_REF_PREFIX)
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    open_ended = out.get("x-kubernetes-preserve-unknown-fields") is True
    if "properties" in out and "additionalProperties" not in out and not open_ended:
        out["additionalProperties"] = False
    return out


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            found.add(ref.removeprefix(_REF_PREFIX))
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


def _reachable(name: str, schemas: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen or current not in schemas:
            continue
        seen.add(current)
        todo.extend(_refs(schemas[current]) - seen)
    return seen


def file_name(group: str, version: str, kind: str) -> str:
    """kubeconform's `{{ .ResourceKind }}{{ .KindSuffix }}.json` for a kind."""
    suffix = f"-{group.split('.')[0].lower()}-{version.lower()}" if group else f"-{version}"
    return f"{kind.lower()}{suffix}.json"


def generate(spec_dir: Path, out_dir: Path, k8s_version: str) -> int:
    """Write one schema file per kind; returns how many."""
    target = out_dir / f"v{k8s_version.removeprefix('v')}-standalone-strict"
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    for document in sorted(spec_dir.glob("*_openapi.json")):
        schemas: dict[str, Any] = (
            json.loads(document.read_text()).get("components", {}).get("schemas", {})
        )
        for name, schema in schemas.items():
            for gvk in schema.get("x-kubernetes-group-version-kind", []):
                if gvk.get("kind", "").endswith("List") or name.startswith("io.k8s.apimachinery."):
                    # Lists and apimachinery's shared types (Status, WatchEvent, DeleteOptions
                    # carry every group's GVK) are never written as manifests.
                    continue
                definitions = {
                    dep: _strict(schemas[dep]) for dep in sorted(_reachable(name, schemas) - {name})
                }
                body = _strict(schema)
                body["$schema"] = "http://json-schema.org/draft-07/schema#"
                if definitions:
                    body["definitions"] = definitions
                path = target / file_name(gvk["group"], gvk["version"], gvk["kind"])
                path.write_text(json.dumps(body, separators=(",", ":")))
                written += 1
    return written


def crd_file_name(group: str, version: str, kind: str) -> str:
    """Where kubeconform's `{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json` points."""
    return f"{group}/{kind.lower()}_{version}.json"


def generate_crds(crd_dir: Path, out_dir: Path) -> int:
    """One strict schema per served version of every CRD in `crd_dir`; returns how many."""
    written = 0
    for document in sorted(crd_dir.glob("*.json")):
        crd = json.loads(document.read_text())
        if crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for version in spec["versions"]:
            if not version.get("served", True):
                continue
            body = _strict(version["schema"]["openAPIV3Schema"])
            body["$schema"] = "http://json-schema.org/draft-07/schema#"
            path = out_dir / crd_file_name(spec["group"], version["name"], spec["names"]["kind"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(body, separators=(",", ":")))
            written += 1
    return written


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "crds":
        crd_dir, out = Path(sys.argv[2]), Path(sys.argv[3])
        count = generate_crds(crd_dir, out)
        if not count:
            sys.exit(f"no CustomResourceDefinition in {crd_dir}/*.json")
        print(f"{count} kubeconform schemas for custom resources in {out}")
        return
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    spec_dir, out_dir, version = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    if not any(spec_dir.glob("*_openapi.json")):
        sys.exit(f"no *_openapi.json in {spec_dir}")
    count = generate(spec_dir, out_dir, version)
    print(f"{count} kubeconform schemas for Kubernetes {version} in {out_dir}")


if __name__ == "__main__":
    main()
