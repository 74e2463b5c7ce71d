# pgdogd: build, test, demo and benchmarks.
GO        ?= go
BIN       := bin/pgdogd
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# TLS_TESTS are the integration tests make test runs a second time with clients over TLS
# (PGDOGD_TEST_CLIENT_TLS=1 runs the whole suite so).
TLS_TESTS := TestPgbench|TestManyClients|TestPrepared|TestIntegrity|TestDifferential|TestCancel|TestSlowClient|TestMirror$$|TestPgxExecModes|TestLibPQParams|TestSessionState

.PHONY: build test vet lint unit integration demo bench fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/pgdogd

vet:
	$(GO) vet ./...

lint: vet
	$(STATICCHECK) ./...

# test: static checks, then every test (unit and integration against real PostgreSQL) under the race detector.
test: lint
	bash scripts/need-postgres.sh
	bash scripts/need-python.sh
	bash scripts/need-promtool.sh
	bash scripts/need-chromium.sh
	$(GO) test -race -count=1 -timeout 20m ./...
	# The same pooling, forwarding, prepared-statement, cancel and mirroring tests with every
	# client over TLS (the suite's TLS mode): the TLS path must change nothing else.
	PGDOGD_TEST_CLIENT_TLS=1 $(GO) test -race -count=1 -timeout 20m -run '$(TLS_TESTS)' ./testsuite/
	# The allocation assertions are built without -race (it allocates, and sync.Pool drops at random): run them too.
	$(GO) test -count=1 -run 'ZeroAlloc|Allocs|PooledArrayReused' ./perf/ ./bufpool/ ./codec/... ./mirror/... ./engine/...

unit:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /testsuite)

integration: build
	$(GO) test -race -count=1 -timeout 20m -v ./testsuite/

demo: build
	bash scripts/demo.sh

bench: build
	bash perf/bench.sh
	$(GO) test -run '^$$' -bench . -benchmem ./perf/

# fuzz: every fuzz target in the tree, FUZZTIME each (default 30s).
fuzz:
	bash scripts/fuzz.sh

clean:
	rm -rf bin perf/results
