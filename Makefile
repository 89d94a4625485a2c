# keysync: build, try, test and measure. Every target that needs MariaDB
# runs under .ci/with-mariadb, which starts a throwaway server (installing
# MariaDB first on a fresh Debian/Ubuntu machine when run as root) unless
# KEYSYNC_TEST_DSN points at one.

GO      ?= go
BIN     ?= bin/keysync
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: build demo test test-short fuzz bench lint clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/keysync

demo: build
	.ci/with-mariadb $(GO) run ./cmd/keysync-demo -bin $(BIN)

test:
	.ci/with-mariadb $(GO) test -count=1 -timeout 60m ./...

test-short:
	$(GO) test -short ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzTemplateRoundTrip -fuzztime 30s ./sync/number
	$(GO) test -run '^$$' -fuzz FuzzAlgorithms -fuzztime 30s ./sync/number
	$(GO) test -run '^$$' -fuzz FuzzCheckCommand -fuzztime 30s ./cmd/keysync

bench: build
	.ci/with-mariadb $(GO) run ./cmd/keysync-bench

lint:
	test -z "$$(gofmt -l .)"
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

clean:
	rm -rf bin
