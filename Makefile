# sabfl: build, protobuf generation, install, localnet, tests.
# On a fresh machine `make demo` and `make test` install everything they need themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := build

ROOT   := $(abspath .)
VENV   := $(ROOT)/.venv
PY     := $(VENV)/bin/python
BIN    := $(ROOT)/build/bin
SABFLD := $(BIN)/sabfld
# kubo (IPFS), the localnet's blob store. v0.38.2 is the newest that builds from the module proxy (later
# ones replace go-libp2p with a fork the proxy refuses); it needs Go 1.25 (with 1.26 cockroachdb/swiss fails
# to link runtime internals), which the go command fetches as a toolchain.
IPFS          := $(BIN)/ipfs
KUBO_VERSION  := v0.38.2
KUBO_TOOLCHAIN := go1.25.5
# SeaweedFS, an S3-compatible server for the S3 blob store's tests. `go install …/weed@version` refuses it (its
# go.mod has a replace directive), so it is built in a scratch module that repeats that directive.
WEED          := $(BIN)/weed
WEED_VERSION  := v0.0.0-20261109003541-7506e5f91cd6
# Toxiproxy, the TCP proxy that gives the network-namespace localnet its latency (this kernel has no netem).
# `go install …/cmd/server` names the binary "server".
TOXIPROXY         := $(BIN)/toxiproxy-server
TOXIPROXY_VERSION := v2.5.0
N            ?= 4
PARTICIPANTS ?= 10
LOCALNET := python3 $(ROOT)/localnet/localnet.py
# Debian packages: the Fashion-MNIST IDX files the ML core reads offline; chromium for the dashboard's tests;
# iptables for the network-namespace localnet's packet loss.
APT_PACKAGES := dataset-fashion-mnist chromium chromium-driver iptables
# An execution count, not a duration: with a duration, Go 1.26's fuzz coordinator can report "context
# deadline exceeded" at the deadline on a loaded machine with no failing input (go.dev/issue/75804, fixed in
# Go 1.27); a count has no deadline to race.
FUZZTIME ?= 20000x
# Go fuzz targets run briefly on every `make test` (package:target).
FUZZ_TARGETS := x/fedlearn/consensus:FuzzSoftmaxWeights x/fedlearn/consensus:FuzzCommitment \
                x/fedlearn/types:FuzzMsgSubmitUpdateValidate x/fedlearn/types:FuzzMsgRevealUpdateValidate \
                x/fedlearn/types:FuzzMsgCreateTaskValidate \
                x/fedlearn/types:FuzzParseMicro

GO_SOURCES := $(shell find chain -name '*.go' -not -path '*/testdata/*') chain/go.mod chain/go.sum
gomod_version = $(shell cd chain && go list -m -f '{{.Version}}' $(1))

.PHONY: bench bench-quick bench-go bench-rounds bench-scale bench-blobs bench-flower demo build previous-build install system-deps python-deps proto proto-tools blob-tools \
        s3-tools net-tools localnet localnet-netns localnet-stop localnet-status localnet-reset test test-go test-python lint clean

build: $(SABFLD)

# `sabfld version --long` names the version (the nearest tag, else the commit) and the commit it was built from.
VERSION_PKG := github.com/cosmos/cosmos-sdk/version
GIT_COMMIT  := $(shell git rev-parse HEAD 2>/dev/null)
GIT_VERSION := $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS     := -X $(VERSION_PKG).Name=sabfl -X $(VERSION_PKG).AppName=sabfld \
               -X $(VERSION_PKG).Version=$(GIT_VERSION) -X $(VERSION_PKG).Commit=$(GIT_COMMIT)

$(SABFLD): $(GO_SOURCES)
	cd chain && go build -ldflags '$(LDFLAGS)' -o $(SABFLD) ./cmd/sabfld

# The previous release's binary, for the upgrade test (tests/test_upgrade.py): the chain at PREVIOUS_COMMIT,
# the last commit before x/fedlearn's state v2 (no handler for the "v2" plan), built from git history.
PREVIOUS_COMMIT := 11aee5848acd4bb2a87104b6ee04cd6a3e155a81
SABFLD_PREVIOUS := $(BIN)/sabfld-previous
previous-build: $(SABFLD_PREVIOUS)

$(SABFLD_PREVIOUS):
	rm -rf build/previous && mkdir -p build/previous
	git archive $(PREVIOUS_COMMIT) chain | tar -x -C build/previous
	cd build/previous/chain && go build -o $(SABFLD_PREVIOUS) ./cmd/sabfld
	rm -rf build/previous

install: system-deps python-deps build proto-tools blob-tools

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

python-deps: $(VENV)/.installed

# One pip command for every pinned dependency (the flower extra and both examples included), then
# `pip check`: a conflicting pin fails here. Separate commands would let pip lift protobuf and grpcio past
# cosmpy's pins, or leave packaging and virtualenv at versions that conflict.
$(VENV)/.installed: sidecar/pyproject.toml examples/flower-digits/pyproject.toml examples/clinic-tabular/pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '$(ROOT)/sidecar[dev,flower]' -e '$(ROOT)/examples/flower-digits' \
	  -e '$(ROOT)/examples/clinic-tabular'
	$(VENV)/bin/pip check
	touch $@

proto-tools: $(BIN)/protoc-gen-gocosmos $(BIN)/protoc-gen-grpc-gateway

$(BIN)/protoc-gen-gocosmos: chain/go.mod
	GOBIN=$(BIN) go install github.com/cosmos/gogoproto/protoc-gen-gocosmos@$(call gomod_version,github.com/cosmos/gogoproto)

$(BIN)/protoc-gen-grpc-gateway: chain/go.mod
	GOBIN=$(BIN) go install github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway@$(call gomod_version,github.com/grpc-ecosystem/grpc-gateway)

blob-tools: $(IPFS)

# Only the network-namespace localnet (make localnet-netns, tests/test_netns.py) needs Toxiproxy.
net-tools: $(TOXIPROXY)

$(TOXIPROXY):
	GOBIN=$(BIN) go install github.com/Shopify/toxiproxy/v2/cmd/server@$(TOXIPROXY_VERSION)
	mv $(BIN)/server $@

# Only the tests need the S3 server (≈ 18 min cold on 2 busy cores, 30 s with a warm Go cache).
s3-tools: $(WEED)

$(IPFS):
	GOTOOLCHAIN=$(KUBO_TOOLCHAIN) GOBIN=$(BIN) go install github.com/ipfs/kubo/cmd/ipfs@$(KUBO_VERSION)

$(WEED):
	rm -rf build/weed-module && mkdir -p build/weed-module
	cd build/weed-module && go mod init sabfl.local/weed && \
	  go mod edit -replace github.com/tyler-smith/go-bip39=github.com/cosmos/go-bip39@v1.0.0 && \
	  go get github.com/seaweedfs/seaweedfs/weed@$(WEED_VERSION) && \
	  go build -o $(WEED) github.com/seaweedfs/seaweedfs/weed
	rm -rf build/weed-module

proto: proto-tools python-deps
	bash proto/protocgen.sh

localnet: build blob-tools
	@[ -f localnet/run/keys.json ] || $(LOCALNET) init --validators $(N) --participants $(PARTICIPANTS)
	$(LOCALNET) start

localnet-stop:
	$(LOCALNET) stop

# The demo task with each validator (node, kubo, sidecar) in its own network namespace (root only): P2P
# through Toxiproxy at 50 ± 10 ms each way, 1 % inbound loss; prints the per-round table, removes the
# namespaces afterwards (`python3 localnet/netns.py down` cleans up after a crash).
NETNS_PORT_OFFSET ?= 5000
localnet-netns: install net-tools
	$(PY) $(ROOT)/localnet/netns.py demo --port-offset $(NETNS_PORT_OFFSET) --out $(ROOT)/out/netns

localnet-status:
	$(LOCALNET) status

localnet-reset:
	$(LOCALNET) reset

# The whole system on the embedded digits task: localnet, 4 validator sidecars, 10 participants (3 attack).
# TASK names a preset of sidecar/src/sabfl/roles/presets (or a spec file): `make demo TASK=fmnist-cnn` runs
# the Fashion-MNIST task whose 0.6 MB model travels by reference through the validators' kubo daemons.
TASK ?= demo-task
demo: install
	$(PY) -m sabfl.cli demo --spec $(TASK) --out $(ROOT)/out/demo

# Every benchmark, each rewriting its section of BENCHMARKS.md: the consensus maths and x/fedlearn's
# EndBlocker against the number of tasks (Go), rounds through the chain against `sabfl sim` (P1, P2, P4:
# the demo task and fmnist-cnn), ingest and scale against participants, update size and rounds (P3, P5),
# one round's blobs through kubo, and sabfl's rule inside Flower.
bench: bench-go bench-rounds bench-scale bench-blobs bench-flower

# In minutes: the Go benchmarks, the demo task's rounds (3 of them) and a small ingest and state grid.
bench-quick: bench-go
	$(PY) $(ROOT)/localnet/bench_rounds.py --quick
	$(PY) $(ROOT)/localnet/bench_scale.py --quick

# Runs the consensus and EndBlocker benchmarks and rewrites their two sections of BENCHMARKS.md.
bench-go: install
	$(PY) $(ROOT)/localnet/bench_go.py

bench-rounds: install
	$(PY) $(ROOT)/localnet/bench_rounds.py

# P3 and P5: updates per second to FINALIZED for 100 KB and 1 MB updates, inline and by reference, 10 to 100
# participants; round time against participants; state and disk after 10, 50 and 100 rounds (30 min on the
# shared 2-core machine: 12.5 for the 100 rounds, 17.5 for the 16 ingest tasks; trim with --participants and
# --state-rounds).
bench-scale: install
	$(PY) $(ROOT)/localnet/bench_scale.py

# One round's blob traffic through kubo: 20 updates of 1, 10 and 100 MB uploaded and fetched-and-verified by
# 4 validators' daemons, against the inline path's sidecar cost; writes its section of BENCHMARKS.md. Needs
# ≈ 8 GB of free disk for the 100 MB round (each daemon keeps a copy until the round is released).
bench-blobs: install
	$(PY) $(ROOT)/localnet/bench_blobs.py

# Flower's simulation of the demo's task with FedAvg and with SabflStrategy, beside `sabfl sim` of the same
# setting; rewrites the Flower section of BENCHMARKS.md.
bench-flower: python-deps
	cd $(ROOT) && $(PY) examples/flower-digits/bench.py --out out/bench-flower --benchmarks BENCHMARKS.md

test: install
	$(MAKE) test-go test-python

test-go:
	cd chain && go vet ./... && go test ./...
	@cd chain && for entry in $(FUZZ_TARGETS); do \
	  echo "fuzz $$entry for $(FUZZTIME)"; \
	  go test -run='^$$' -fuzz="^$${entry#*:}$$" -fuzztime=$(FUZZTIME) ./$${entry%%:*}/ || exit 1; \
	done

# Unit tests of the sidecar package, then the end-to-end tests over a real localnet.
test-python: python-deps build previous-build proto-tools blob-tools s3-tools net-tools
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q sidecar/tests
	$(PY) -m pytest -q tests

clean:
	rm -rf build
