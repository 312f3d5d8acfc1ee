# Operations targets: Prometheus' tools and the Kubernetes manifest check.
# Included by the Makefile (it defines ROOT and TOOLS).

GO_BIN := $(TOOLS)/go-bin
KUSTOMIZE_VERSION := v5.8.1
KUBECONFORM_VERSION := v0.8.0
# The Kubernetes release whose OpenAPI documents (in the Go module k8s.io/kubernetes) become
# kubeconform's schemas; kubeconform's own schema host is not reachable from here.
K8S_SCHEMA_VERSION := 1.34.2
K8S_SCHEMAS := $(TOOLS)/k8s-schemas
K8S_SCHEMA_STAMP := $(K8S_SCHEMAS)/v$(K8S_SCHEMA_VERSION)-standalone-strict/.complete

$(GO_BIN)/kustomize:
	@GOBIN=$(GO_BIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

$(GO_BIN)/kubeconform:
	@GOBIN=$(GO_BIN) go install github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION)

$(K8S_SCHEMA_STAMP): deploy/k8s/schemas/generate.py
	@spec=$$(cd /tmp && go mod download -json k8s.io/kubernetes@v$(K8S_SCHEMA_VERSION) \
		| sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	[ -n "$$spec" ] || { echo "k8s-check: go mod download k8s.io/kubernetes@v$(K8S_SCHEMA_VERSION) failed" >&2; exit 1; }; \
	rm -rf $(K8S_SCHEMAS)/v$(K8S_SCHEMA_VERSION)-standalone-strict; \
	python3 deploy/k8s/schemas/generate.py "$$spec/api/openapi-spec/v3" $(K8S_SCHEMAS) $(K8S_SCHEMA_VERSION)
	@touch $@

.PHONY: k8s-tools
k8s-tools: $(GO_BIN)/kustomize $(GO_BIN)/kubeconform $(K8S_SCHEMA_STAMP) ## build kustomize and kubeconform (go install) and the Kubernetes schemas
	@:

.PHONY: k8s-check
k8s-check: k8s-tools ## render deploy/k8s (base, every overlay) with kustomize and validate it with kubeconform
	@K8S_VERSION=$(K8S_SCHEMA_VERSION) K8S_SCHEMAS=$(K8S_SCHEMAS) DVIKA_GO_BIN=$(GO_BIN) $(ROOT)/deploy/k8s/check.sh

.PHONY: prometheus-tools
prometheus-tools: ## Debian's prometheus (prometheus, promtool) when missing; its system service stays off
	@if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get install -y --no-install-recommends prometheus \
		|| { $$sudo apt-get update -qq && $$sudo apt-get install -y --no-install-recommends prometheus; }; \
		if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then \
			$$sudo systemctl disable --now prometheus; \
		fi; \
	fi

.PHONY: ops-check
ops-check: prometheus-tools ## promtool: the Prometheus configuration, its alerting rules and their unit tests
	@promtool check config $(ROOT)/deploy/prometheus/prometheus.yml
	@promtool check rules $(ROOT)/deploy/prometheus/alerts.yml
	@cd $(ROOT)/deploy/prometheus && promtool test rules alerts.test.yml
