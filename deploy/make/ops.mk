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
# Strimzi's custom resources: their CRDs are made by Strimzi's CRD generator from Strimzi's API
# classes (both from Maven Central, versions and why in the pom), then turned into schemas.
STRIMZI_POM := deploy/k8s/schemas/strimzi/pom.xml
STRIMZI_WORK := $(TOOLS)/strimzi-crds
CRD_SCHEMAS := $(K8S_SCHEMAS)/crds
CRD_SCHEMA_STAMP := $(CRD_SCHEMAS)/.complete
STRIMZI_KINDS := kafka.Kafka nodepool.KafkaNodePool topic.KafkaTopic

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

$(CRD_SCHEMA_STAMP): $(STRIMZI_POM) deploy/k8s/schemas/generate.py
	@rm -rf $(STRIMZI_WORK) $(CRD_SCHEMAS) && mkdir -p $(STRIMZI_WORK)
	@mvn -q -B -Dstyle.color=never -f $(STRIMZI_POM) dependency:build-classpath \
		-Dmdep.outputFile=$(STRIMZI_WORK)/classpath.txt >$(STRIMZI_WORK)/mvn.log 2>&1 \
		|| { cat $(STRIMZI_WORK)/mvn.log >&2; echo 'k8s-check: mvn could not resolve $(STRIMZI_POM)' >&2; exit 1; }
	@classpath=$$(tr ':' '\n' <$(STRIMZI_WORK)/classpath.txt | grep -v '/crd-generator-' | paste -sd:); \
	generator=$$(tr ':' '\n' <$(STRIMZI_WORK)/classpath.txt | grep '/crd-generator-' | paste -sd:); \
	java -cp "$$classpath:$$generator" io.strimzi.crdgenerator.CrdGenerator \
		--crd-api-version v1 --api-versions v1 --storage-version v1 \
		$(foreach kind,$(STRIMZI_KINDS),io.strimzi.api.kafka.model.$(kind)=$(STRIMZI_WORK)/$(lastword $(subst ., ,$(kind))).json) \
		>$(STRIMZI_WORK)/generator.log 2>&1 || { cat $(STRIMZI_WORK)/generator.log >&2; exit 1; }
	@python3 deploy/k8s/schemas/generate.py crds $(STRIMZI_WORK) $(CRD_SCHEMAS)
	@touch $@

.PHONY: k8s-tools
k8s-tools: $(GO_BIN)/kustomize $(GO_BIN)/kubeconform $(K8S_SCHEMA_STAMP) $(CRD_SCHEMA_STAMP) ## build kustomize and kubeconform (go install), the Kubernetes and Strimzi schemas
	@:

.PHONY: k8s-topics
k8s-topics: deps ## write deploy/k8s/overlays/*/kafka-topics.yaml (Strimzi KafkaTopics) from contracts/topics.py
	@$(PY) deploy/k8s/generate_topics.py

.PHONY: k8s-check
k8s-check: k8s-tools deps ## check the generated KafkaTopics, render deploy/k8s (base, every overlay) with kustomize and validate it with kubeconform
	@$(PY) deploy/k8s/generate_topics.py --check
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
