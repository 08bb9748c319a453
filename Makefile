# SMTP Configurator. Two commands matter on a fresh Debian/Ubuntu machine:
#   make run    installs the build dependencies if missing, builds, opens the app
#   make test   installs the test dependencies if missing, runs the whole suite
SHELL := /bin/bash
GO ?= go
BIN := bin

# Fyne needs cgo and the X11/OpenGL headers; a font with Chinese characters
# lets Fyne draw the Chinese window and the Chinese providers' names (its own
# font has none).
BUILD_PKGS := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev fonts-wqy-microhei
# `make screenshots` drives the real window under Xvfb.
SHOT_PKGS := xvfb xdotool imagemagick x11-utils dbus gnome-keyring iproute2 util-linux
# `make package`: the validators of the desktop entry and the AppStream
# metainfo, dpkg-deb and dpkg-shlibdeps, xz for the fyne archive.
PACKAGE_PKGS := desktop-file-utils appstream dpkg-dev file xz-utils
# `make cross`: the C cross compiler for the Windows window build.
CROSS_PKGS := gcc-mingw-w64-x86-64
# The launch test: a real desktop launcher (gio, from libglib2.0-bin) opens the
# installed entry under Xvfb; xdotool and xprop look at the window.
DESKTOP_TEST_PKGS := xvfb xdotool x11-utils libglib2.0-bin
# The keyring tests talk to a real Secret Service inside a private D-Bus session.
TEST_PKGS := $(BUILD_PKGS) dbus gnome-keyring libsecret-tools swaks msmtp postfix nodejs python3 php-cli libphp-phpmailer git-email libmailtools-perl libauthen-sasl-perl libio-socket-ssl-perl \
	$(PACKAGE_PKGS) $(CROSS_PKGS) $(DESKTOP_TEST_PKGS)

.PHONY: all run build build-nogui screenshots test check-fmt vet test-go test-race test-nogui deps-build deps-test bench bench-relay clean \
	release icons tools package install uninstall cross test-package test-cross deps-package deps-cross deps-launch

all: build build-nogui

run: deps-build build
	./$(BIN)/smtpconf

build:
	$(GO) build -o $(BIN)/smtpconf .

build-nogui:
	CGO_ENABLED=0 $(GO) build -tags nogui -o $(BIN)/smtpconf-nogui .

deps-build:
	@.ci/ensure-packages.sh $(BUILD_PKGS)

deps-test:
	@.ci/ensure-packages.sh $(TEST_PKGS)

test: deps-test check-fmt vet test-nogui test-go test-race test-cross test-package
	@echo "All checks passed."

check-fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	@echo "gofmt: ok"

vet:
	$(GO) vet ./...
	$(GO) vet -tags nogui ./...

# The headless build must link no Fyne and need no cgo at all.
test-nogui: build-nogui
	@if $(GO) list -tags nogui -deps . | grep -q '^fyne.io/'; then echo "nogui build links Fyne"; exit 1; fi
	@$(BIN)/smtpconf-nogui presets >/dev/null
	@$(BIN)/smtpconf-nogui --version | grep -qE '^smtpconf [0-9]' || { echo "nogui --version failed"; exit 1; }
	@$(BIN)/smtpconf-nogui >/dev/null 2>&1; rc=$$?; if [ $$rc -ne 2 ]; then echo "bare nogui build exited $$rc, want 2"; exit 1; fi
	CGO_ENABLED=0 $(GO) test -count=1 -tags nogui ./smtp/l10n/ ./ui/i18n/
	@echo "nogui build: ok"

# Everything runs inside a throw-away D-Bus session with an unlocked
# gnome-keyring, so the keyring tests use a real Secret Service and never
# touch the developer's own keyring.
test-go:
	.ci/with-keyring.sh $(GO) test -count=1 ./...

test-race:
	.ci/with-keyring.sh $(GO) test -count=1 -race ./smtp/... ./ui/cli/ ./ui/i18n/... ./ui/instance/

# Screenshots of every setup step, in English (assets/screenshots) and in
# Simplified Chinese (assets/screenshots/zh). Needs root (a private network
# namespace keeps the app from reaching any real server).
screenshots: build
	@.ci/ensure-packages.sh $(BUILD_PKGS) $(SHOT_PKGS)
	.ci/take-screenshots.sh $(BIN)/smtpconf assets/screenshots en_US.UTF-8
	.ci/take-screenshots.sh $(BIN)/smtpconf assets/screenshots/zh zh_CN.UTF-8

bench: build build-nogui
	@.ci/ensure-packages.sh hyperfine swaks
	.ci/bench.sh

# The local mail path (issue 13): relay acceptance next to Postfix's smtpd,
# sendmail next to msmtp, and the outbox's drain rate; results go to
# bench-relay-results.md. Needs root: it installs postfix, msmtp, hyperfine
# and strace, and runs a private Postfix instance in a private network
# namespace.
bench-relay: build build-nogui
	.ci/bench-relay.sh

clean:
	rm -rf $(BIN) dist

# ---- Packages and installs (see README, "Install") ----
APP_ID := io.github.smtpconf.smtpconf
# The version: from the newest tag (v0.2.0, or 0.2.0-3-gabc1234 after it)
# when there is one, else FyneApp.toml's; the commit it was built from.
FYNE_VERSION := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
ifndef VERSION
VERSION := $(shell v=$$(git describe --tags --match 'v[0-9]*' 2>/dev/null) && echo "$$v" | sed 's/^v//' || echo "$(FYNE_VERSION)")
endif
ifndef COMMIT
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
endif
GOARCH_HOST := $(shell $(GO) env GOARCH)
RELEASE_LDFLAGS := -s -w -X github.com/smtpconf/smtpconf/smtp.Version=$(VERSION) -X github.com/smtpconf/smtpconf/smtp.Commit=$(COMMIT)
RELEASE_BIN := $(BIN)/release/smtpconf
ICONS := $(BIN)/icons/hicolor
DIST := dist
TOOLS := $(abspath $(BIN)/tools)
# Tools from the Go module proxy, at fixed versions.
FYNE_TOOL_VERSION := v1.7.4
WINRES_VERSION := v0.3.3
# PREFIX: ~/.local for a person, /usr/local for root; DESTDIR for staging.
ifndef PREFIX
PREFIX := $(if $(filter 0,$(shell id -u)),/usr/local,$(HOME)/.local)
endif
DESTDIR ?=
DEB := $(DIST)/smtpconf_$(VERSION)_linux_$(GOARCH_HOST).deb
# The headless builds of `make cross` (the Windows window build is extra).
CROSS_TARGETS := windows/amd64 darwin/arm64 darwin/amd64 linux/arm64 freebsd/amd64

deps-package:
	@.ci/ensure-packages.sh $(BUILD_PKGS) $(PACKAGE_PKGS)

deps-cross:
	@.ci/ensure-packages.sh $(CROSS_PKGS)

deps-launch:
	@.ci/ensure-packages.sh $(DESKTOP_TEST_PKGS)

# The release binary: trimmed paths, no symbol table, version and commit
# stamped (smtpconf --version, the About dialog).
release:
	$(GO) build -trimpath -ldflags "$(RELEASE_LDFLAGS)" -o $(RELEASE_BIN) .

# The hicolor icons, rendered from assets/icon.svg at build time.
icons:
	$(GO) run ./assets/mkicons -out $(ICONS) -name $(APP_ID)

tools: $(TOOLS)/fyne $(TOOLS)/go-winres
$(TOOLS)/fyne:
	GOBIN=$(TOOLS) $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOL_VERSION)
$(TOOLS)/go-winres:
	GOBIN=$(TOOLS) $(GO) install github.com/tc-hib/go-winres@$(WINRES_VERSION)

install: deps-build release icons
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" BINARY=$(RELEASE_BIN) ICONS=$(ICONS) .ci/install.sh install

uninstall:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" .ci/install.sh uninstall

# dist/: the .deb, the fyne archive, and the same install tree as a tarball
# (bin/, share/: what make install puts under PREFIX).
package: deps-package release icons $(TOOLS)/fyne
	@mkdir -p $(DIST)
	.ci/make-deb.sh $(RELEASE_BIN) $(ICONS) $(VERSION) $(DEB)
	rm -rf $(BIN)/tree && PREFIX=/ DESTDIR=$(abspath $(BIN)/tree) BINARY=$(RELEASE_BIN) ICONS=$(ICONS) MANIFEST=no .ci/install.sh install >/dev/null
	sed -i 's|^Exec=.*|Exec=smtpconf|' $(BIN)/tree/share/applications/$(APP_ID).desktop
	tar -C $(BIN)/tree --owner=0 --group=0 -czf $(DIST)/smtpconf_$(VERSION)_linux_$(GOARCH_HOST).tar.gz bin share
	@# fyne package raises Build in FyneApp.toml after every run: the file is
	@# put back as it was, so packaging leaves the tree clean.
	@mkdir -p $(BIN) && cp FyneApp.toml $(BIN)/FyneApp.toml.orig
	rm -f "SMTP Configurator.tar.xz"; $(TOOLS)/fyne package -os linux -release -exe $(RELEASE_BIN); \
		rc=$$?; cp $(BIN)/FyneApp.toml.orig FyneApp.toml; exit $$rc
	mv "SMTP Configurator.tar.xz" $(DIST)/smtpconf_$(VERSION)_linux_$(GOARCH_HOST).fyne.tar.xz
	@ls -l $(DIST)

# dist/: the headless command line for Windows, macOS, Linux/arm64 and
# FreeBSD, and the Windows window build (mingw-w64), all named
# smtpconf[-nogui]_VERSION_OS_ARCH.
cross: deps-cross $(TOOLS)/go-winres
	TARGETS="$(CROSS_TARGETS)" WINRES=$(TOOLS)/go-winres GO=$(GO) .ci/cross.sh $(VERSION) $(COMMIT) $(DIST)
	@ls -l $(DIST)

# Every platform's code, tests included, type-checks (go vet), and the cross
# builds link; the Windows files carry their resources.
test-cross: cross
	@set -e; for t in $(CROSS_TARGETS); do \
		echo "go vet -tags nogui ./... for $$t"; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet -tags nogui ./...; \
	done
	WINRES=$(TOOLS)/go-winres .ci/test-cross.sh $(VERSION) $(DIST)

# The desktop entry and metainfo pass their validators; the .deb unpacks
# with the expected files and a working --version; make install/uninstall
# leave nothing behind; the installed entry, launched by the desktop's
# launcher under Xvfb, opens one window, and a second launch raises it.
test-package: deps-launch package
	desktop-file-validate assets/linux/$(APP_ID).desktop
	appstreamcli validate --no-net assets/linux/$(APP_ID).metainfo.xml
	.ci/test-deb.sh $(DEB) $(VERSION)
	.ci/test-install.sh
	.ci/test-launch.sh
	@if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- FyneApp.toml; then \
		echo "make package changed FyneApp.toml"; exit 1; fi
