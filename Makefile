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
# The keyring tests talk to a real Secret Service inside a private D-Bus session.
TEST_PKGS := $(BUILD_PKGS) dbus gnome-keyring libsecret-tools swaks msmtp postfix nodejs python3 php-cli libphp-phpmailer git-email libmailtools-perl libauthen-sasl-perl libio-socket-ssl-perl

.PHONY: all run build build-nogui screenshots test check-fmt vet test-go test-race test-nogui deps-build deps-test bench bench-relay clean

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

test: deps-test check-fmt vet test-nogui test-go test-race
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
	@$(BIN)/smtpconf-nogui >/dev/null 2>&1; rc=$$?; if [ $$rc -ne 2 ]; then echo "bare nogui build exited $$rc, want 2"; exit 1; fi
	CGO_ENABLED=0 $(GO) test -count=1 -tags nogui ./smtp/l10n/ ./ui/i18n/
	@echo "nogui build: ok"

# Everything runs inside a throw-away D-Bus session with an unlocked
# gnome-keyring, so the keyring tests use a real Secret Service and never
# touch the developer's own keyring.
test-go:
	.ci/with-keyring.sh $(GO) test -count=1 ./...

test-race:
	.ci/with-keyring.sh $(GO) test -count=1 -race ./smtp/... ./ui/cli/ ./ui/i18n/...

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
	rm -rf $(BIN)
