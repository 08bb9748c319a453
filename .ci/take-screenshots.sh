#!/bin/bash
# take-screenshots.sh BINARY OUTDIR [LOCALE]
#
# LOCALE (default en_US.UTF-8) is the language the window speaks, e.g.
# zh_CN.UTF-8 for Simplified Chinese: `make screenshots` takes both sets.
#
# Walks SMTP Configurator through every step under a private Xvfb display and
# saves a screenshot of each into OUTDIR (1-provider.png ... 7-keyring.png,
# plus 5-test-dark.png, 10-settings.png, and "Use from other apps" with the
# relay switched on: 11-use.png, 11-use-dark.png, and its exports scrolled
# into view, 12-use-exports.png). The profiles live in a throw-away config
# directory; the passwords in a private keyring (.ci/with-keyring.sh), except for the
# last run, which has no keyring on purpose to show the session-only choice.
#
# Needs: Xvfb, xdotool, ImageMagick's import; dbus-run-session and
# gnome-keyring-daemon for .ci/with-keyring.sh; unshare and ip (util-linux,
# iproute2) and root. The app runs in a private network namespace with only
# loopback, so nothing can leave the machine: the Gmail profile of step 4
# fails to reach its server, and that failure is what the screenshot shows.
set -euo pipefail
bin=$(realpath "${1:?usage: take-screenshots.sh BINARY OUTDIR}")
out=$(realpath -m "${2:?usage: take-screenshots.sh BINARY OUTDIR}")
here=$(cd "$(dirname "$0")/.." && pwd)
# The window follows the locale; LANGUAGE and LC_* from the caller's session
# would override LANG, so they are set or cleared here.
locale=${3:-en_US.UTF-8}
unset LANGUAGE LC_MESSAGES
# Exported for the app only: this shell need not have the locale installed.
appenv=(env LANG="$locale" LC_ALL="$locale")
mkdir -p "$out"
tmp=$(mktemp -d)
# SCREENSHOT_DISPLAY lets two runs share a machine.
display=${SCREENSHOT_DISPLAY:-:97}
Xvfb $display -screen 0 1280x800x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb=$!
app=
cleanup() {
	[ -n "$app" ] && kill -- -"$app" 2>/dev/null || true
	kill "$xvfb" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
export DISPLAY=$display
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

# start THEME KEYRING(yes|no) CONFIGDIR: runs the app and waits for its window.
start() {
	local theme=$1 keyring=$2 cfg=$3
	mkdir -p "$tmp/home"
	# isolated CMD...: runs CMD with loopback as the only network.
	local isolated=(unshare -n sh -c 'ip link set lo up && exec "$@"' isolated)
	if [ "$keyring" = yes ]; then
		FYNE_THEME=$theme SMTPCONF_CONFIG_DIR=$cfg setsid "${isolated[@]}" "${appenv[@]}" bash "$here/.ci/with-keyring.sh" "$bin" >"$tmp/app.log" 2>&1 &
	else
		FYNE_THEME=$theme SMTPCONF_CONFIG_DIR=$cfg HOME=$tmp/home setsid "${isolated[@]}" env -u DBUS_SESSION_BUS_ADDRESS LANG="$locale" LC_ALL="$locale" \
			XDG_RUNTIME_DIR=$tmp "$bin" >"$tmp/app.log" 2>&1 &
	fi
	app=$!
	win=$(xdotool search --sync --name '^SMTP Configurator$' | head -1)
	sleep 1.5
}
stop() {
	kill -- -"$app" 2>/dev/null || true
	wait "$app" 2>/dev/null || true
	app=
}
shot() { sleep "${2:-0.6}"; import -window "$win" "$out/$1"; echo "wrote $out/$1"; }
click() { xdotool mousemove "$1" "$2" click 1; }
key() { xdotool key "$@"; }
typ() { xdotool type --delay 15 "$1"; }

# Positions in the 1060x740 window (the default size).
NEXT="1014 713"; SAVE_CONTINUE="966 713"; SEND="360 221"; NEW="70 94"
STARTTLS="410 435"; INBOX="140 717"
USE_PAGE="640 500"

start light yes "$tmp/cfg"
typ ann@gmail.com;            shot 1-provider.png
key Return; sleep 0.5; click $STARTTLS; shot 2-server.png
click $NEXT; sleep 0.5; typ abcdefghijklmnop; shot 3-account.png
click $SAVE_CONTINUE; sleep 1.5; click $SEND; shot 4-test-failed.png 5
click $NEW; sleep 0.8; typ ann@example.com; key Return; sleep 0.5; key Return; sleep 0.6
click $SAVE_CONTINUE; sleep 1.5; click $SEND; shot 5-test.png 3
key ctrl+u; sleep 1; key space; shot 11-use.png 3
xdotool mousemove $USE_PAGE; for _ in $(seq 150); do xdotool click 5; done; shot 12-use-exports.png 1
click $INBOX; shot 6-inbox.png 1
key ctrl+comma; shot 10-settings.png 1
stop

start dark yes "$tmp/cfg-dark"
typ ann@example.com; key Return; sleep 0.5; key Return; sleep 0.6
click $SAVE_CONTINUE; sleep 1.5; click $SEND; shot 5-test-dark.png 3
key ctrl+u; sleep 1; key space; shot 11-use-dark.png 3
stop

start light no "$tmp/cfg-nokeyring"
typ ann@example.com; key Return; sleep 0.5; key Return; sleep 0.6
click $SAVE_CONTINUE; shot 7-keyring.png 2
stop
