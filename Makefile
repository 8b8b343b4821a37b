# stacktui — developer entry points. `make test` is what CI runs.
GO      ?= go
PKGS    ?= ./...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/stacktui/stacktui/cmd.version=$(VERSION)

.PHONY: build test fuzz bench demo deps release-check

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o stacktui .

# The whole suite: formatting, vet, then every test with the race detector
# against real ZooKeeper, HAProxy and Serf (see internal/testenv).
test: deps
	@unformatted=$$(gofmt -l .); test -z "$$unformatted" || { echo "gofmt: these files need formatting: $$unformatted"; exit 1; }
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 14m $(PKGS)

# Short fuzzing session over every fuzz target (found cases land in testdata/fuzz).
fuzz:
	@for p in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
	    echo "== $$p $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s} $$p || exit 1; \
	  done; \
	done

# Micro-benchmarks (parsers, join, render) and the whole-program harness
# against hatop and ZooKeeper's floors; writes BENCHMARKS.md (about 30 min).
bench: deps
	bench/run.sh

# The built-in demo: a real HAProxy and an in-process Serf cluster on
# loopback. Only HAProxy is needed; without it the demo runs the registry side.
demo:
	@command -v haproxy >/dev/null || test -x /usr/sbin/haproxy || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy; \
	    else echo 'HAProxy is missing: run  sudo apt-get install -y haproxy  (or go on: the demo then shows the registry side only)'; fi; }
	$(GO) build -o stacktui . && ./stacktui demo

# Debian packages the tests and the demo use.
# Installed when missing and root; otherwise the exact command is printed.
deps:
	@command -v haproxy >/dev/null && command -v serf >/dev/null && command -v tmux >/dev/null && test -x /usr/sbin/sshd && test -f /usr/share/java/zookeeper.jar || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q zookeeper haproxy serf tmux socat openssh-server; \
	    else echo 'missing packages: run  sudo apt-get update && sudo apt-get install -y zookeeper haproxy serf tmux socat openssh-server'; exit 1; fi; }

release-check:
	goreleaser check
