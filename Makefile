# keysync: build, try, test and measure. Every target that needs MariaDB
# runs under .ci/with-mariadb, which starts a throwaway server (installing
# MariaDB first on a fresh Debian/Ubuntu machine when run as root) unless
# KEYSYNC_TEST_DSN points at one. The demo's server is kept running with its
# data and files in $(DEMO_DIR) until `make demo-clean`.

GO      ?= go
BIN     ?= bin/keysync
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

DEMO_DIR   ?= demo-out
DEMO_CLEAN := make demo-clean$(if $(filter-out demo-out,$(DEMO_DIR)), DEMO_DIR=$(DEMO_DIR))

.PHONY: build demo demo-clean test test-short test-galera mutation fuzz bench lint clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/keysync

demo: build
	.ci/with-mariadb --keep $(DEMO_DIR)/mariadb $(GO) run ./cmd/keysync-demo -bin $(BIN) \
		-out $(DEMO_DIR)/files -clean '$(DEMO_CLEAN)'

# Stops the server `make demo` kept and removes it with the demo's files.
demo-clean:
	.ci/with-mariadb --stop $(DEMO_DIR)/mariadb
	rm -rf $(DEMO_DIR)

test:
	.ci/with-mariadb $(GO) test -count=1 -timeout 60m ./...

test-short:
	$(GO) test -short ./...

# The central store on a three-node Galera cluster started on loopback
# (Debian's galera-4 and rsync; internal/mariadbd): daemons writing through
# different nodes while registrations arrive, a node killed and started
# again, another cut off the cluster. The portals live on the MariaDB of
# .ci/with-mariadb.
test-galera:
	.ci/with-mariadb $(GO) test -tags galera -count=1 -timeout 30m -run 'TestCluster_|TestGalera_' ./internal/mariadbd ./cmd/keysync

# Each known mutation of the code (.ci/mutations.d) applied to a throwaway
# copy of the tree must fail the tests meant to catch it.
mutation:
	.ci/with-mariadb .ci/mutations

# Every fuzz target, each for FUZZTIME: the parsers of what comes from
# outside (configuration, portal rows and meta values, admin input, the
# registration API's path) and the number formats.
FUZZTIME ?= 30s
FUZZ := \
	config:FuzzCheckDSN config:FuzzRedactDSN \
	sources/typo3:FuzzLenientInt \
	sources/wordpress:FuzzParseRoles sources/wordpress:FuzzApplyMeta \
	sync:FuzzBirthDateText sync:FuzzParseFieldMap sync:FuzzParseSalutations sync:FuzzCheckWibisoftID \
	sync/central:FuzzFindQuery sync/central:FuzzConflictFilter sync/central:FuzzRecordJSON \
	sync/match:FuzzName sync/match:FuzzParseAddress sync/match:FuzzPhonetic sync/match:FuzzEmail \
	sync/number:FuzzTemplateRoundTrip sync/number:FuzzAlgorithms sync/number:FuzzValidate \
	internal/text:FuzzPrintable \
	cmd/keysync:FuzzCheckCommand cmd/keysync:FuzzParseAccountID

fuzz:
	@for t in $(FUZZ); do \
		echo "== $${t#*:} ($${t%%:*})"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) ./$${t%%:*} || exit 1; \
	done

# The bench's server holds a central store of a million persons in its
# buffer pool (part scale), as a production server should.
bench: build
	WITH_MARIADB_BUFFER_POOL=4G .ci/with-mariadb $(GO) run ./cmd/keysync-bench
	$(GO) run ./cmd/keysync-sinkbench

lint:
	test -z "$$(gofmt -l .)"
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

clean:
	rm -rf bin

# Installation and packaging. The binary goes to $(PREFIX)/bin; the units
# and the example configuration go where systemd and Debian expect them.
# `make install` does not create the keysync user the units run as; the
# Debian package does (adduser --system --group keysync).
PREFIX   ?= /usr
DESTDIR  ?=
UNITDIR  ?= /lib/systemd/system
UNITS    := keysync.service keysync-reconcile.service keysync-reconcile.timer
DEBBASE  := $(shell sed -n '1s/.*(\(.*\)).*/\1/p' systemd/debian/changelog)
DEB_VERSION ?= $(DEBBASE)$(shell git log -1 --format='~git%cd.%h' --date=format:%Y%m%d 2>/dev/null)
DEBBUILD ?= build
DEBSRC   := $(DEBBUILD)/keysync-$(DEB_VERSION)

.PHONY: install deb php-lint systemd-verify

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/keysync
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	for u in $(UNITS); do \
		sed 's|/usr/bin/keysync|$(PREFIX)/bin/keysync|g' systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -d -m 0750 $(DESTDIR)/etc/keysync
	install -m 0640 systemd/keysync.env.example $(DESTDIR)/etc/keysync/keysync.env.example

# A Debian package built from the working tree with the Go toolchain on PATH
# and the module cache as they are (no network), in $(DEBBUILD).
deb:
	@if ! command -v dpkg-buildpackage >/dev/null 2>&1 || ! command -v dh >/dev/null 2>&1; then \
		if [ "$$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
			echo "make deb needs debhelper and dpkg-dev: apt-get install debhelper dpkg-dev" >&2; exit 1; \
		fi; \
		DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debhelper dpkg-dev; \
	fi
	$(GO) mod download
	rm -rf $(DEBSRC)
	mkdir -p $(DEBSRC)
	git ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C $(DEBSRC)
	cp -r systemd/debian $(DEBSRC)/debian
	sed -i '1s/([^)]*)/($(DEB_VERSION))/' $(DEBSRC)/debian/changelog
	cd $(DEBSRC) && dpkg-buildpackage -us -uc -b
	@ls -l $(DEBBUILD)/keysync_$(DEB_VERSION)_*.deb

php-lint:
	find sources -name '*.php' -print0 | xargs -0 -n 1 php -n -l

systemd-verify:
	$(GO) test -count=1 -v -run 'TestSystemd_' ./cmd/keysync
