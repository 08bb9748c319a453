#!/bin/sh
# with-keyring.sh COMMAND [ARG...]
#
# Runs COMMAND against a private, unlocked GNOME Keyring on a private D-Bus
# session bus, with a fresh temporary HOME and XDG_RUNTIME_DIR, so tests never
# touch your own keyring. Sets SMTPCONF_KEYRING_TEST=1, which makes the
# real-keyring tests fail (instead of skip) when the keyring is unreachable.
#
#   bash .ci/with-keyring.sh go test -run 'Secret|Keyring' -count=1 -v ./smtp/
#
# Needs: dbus-run-session (apt install dbus), gnome-keyring-daemon
# (apt install gnome-keyring); the tests also use secret-tool
# (apt install libsecret-tools).
set -eu

me=with-keyring.sh
if [ "$#" -eq 0 ]; then
	echo "usage: $me COMMAND [ARG...]" >&2
	exit 2
fi
for tool in dbus-run-session:dbus gnome-keyring-daemon:gnome-keyring; do
	if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
		echo "$me: ${tool%%:*} not found; install it with: apt install ${tool#*:}" >&2
		exit 127
	fi
done

# Keep Go's build cache, module cache and settings where they are: they are
# found through HOME, which changes below.
if command -v go >/dev/null 2>&1; then
	goenv=$(go env GOCACHE GOPATH GOMODCACHE GOENV)
	{
		read -r GOCACHE
		read -r GOPATH
		read -r GOMODCACHE
		read -r GOENV
	} <<EOF
$goenv
EOF
	export GOCACHE GOPATH GOMODCACHE GOENV
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/smtpconf-keyring.XXXXXXXX")
cleanup() {
	# Daemons activated on the private bus exit when it goes away; give them
	# a moment to finish writing.
	for _ in 1 2 3 4 5; do
		rm -rf "$tmp" 2>/dev/null && return 0
		sleep 0.2
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -m 0700 "$tmp/home" "$tmp/run"

HOME=$tmp/home
XDG_RUNTIME_DIR=$tmp/run
XDG_DATA_HOME=$tmp/home/.local/share
XDG_CONFIG_HOME=$tmp/home/.config
XDG_CACHE_HOME=$tmp/home/.cache
SMTPCONF_KEYRING_TEST=1
KEYRING_TMP=$tmp
export HOME XDG_RUNTIME_DIR XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME SMTPCONF_KEYRING_TEST KEYRING_TMP
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL

# Inside a private bus: start the keyring daemon in the foreground (so it can
# be stopped by its process id afterwards), creating the "login" keyring with
# password "pw" and unlocking it; wait until it owns its bus name; run the
# command; stop the daemon. dbus-run-session then ends the bus and exits with
# the command's status.
set +e
dbus-run-session -- sh -c '
	printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >"$KEYRING_TMP/daemon.env" 2>"$KEYRING_TMP/daemon.log" &
	daemon=$!
	ready=
	for _ in $(seq 50); do
		if ! kill -0 "$daemon" 2>/dev/null; then
			break
		fi
		if command -v dbus-send >/dev/null 2>&1; then
			if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
				org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
				grep -q "boolean true"; then
				ready=1
				break
			fi
		elif [ -S "$XDG_RUNTIME_DIR/keyring/control" ]; then
			sleep 0.5
			ready=1
			break
		fi
		sleep 0.1
	done
	if [ -z "$ready" ]; then
		echo "with-keyring.sh: gnome-keyring-daemon did not start; its log:" >&2
		cat "$KEYRING_TMP/daemon.log" >&2
		kill "$daemon" 2>/dev/null
		exit 125
	fi
	set -a
	eval "$(cat "$KEYRING_TMP/daemon.env")"
	set +a
	unset KEYRING_TMP
	"$@"
	rc=$?
	kill "$daemon" 2>/dev/null
	wait "$daemon" 2>/dev/null
	exit "$rc"
' with-keyring "$@"
rc=$?
exit "$rc"
