#!/bin/bash
# test-launch.sh [RUNS]: the installed desktop entry, launched the way a
# desktop menu does (gio launch, with only the desktop's environment: no
# terminal, no PATH to the binary, no D-Bus session), opens a window titled
# "SMTP Configurator" whose WM_CLASS is the entry's StartupWMClass. A second
# launch leaves one window and brings it to the front (focus moves back to
# it from another window); after the window is killed, a launch opens a new
# one (the crashed window's socket does not block it).
#
# With RUNS > 1 it also times RUNS menu launches, from gio launch to the
# window on screen, and prints the median (for the release notes).
#
# Needs: Xvfb, xdotool, xprop and xmessage (x11-utils), gio (libglib2.0-bin).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-1}
id=io.github.smtpconf.smtpconf
tmp=$(mktemp -d)
fail() { echo "test-launch: $*" >&2; exit 1; }

display=
for n in $(seq 91 120); do
	[ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { display=:$n; break; }
done
[ -n "$display" ] || fail "no free X display"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb=$!
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "${prefix:-}" ]; then
		for p in $(app_pids); do kill -9 "$p" 2>/dev/null || true; done
	fi
	kill "$xvfb" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
export DISPLAY=$display
for _ in $(seq 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.05; done

home=$tmp/home
prefix=$home/.local
mkdir -p "$home" "$tmp/run"
chmod 700 "$tmp/run"
make -s -C "$here" --no-print-directory install PREFIX="$prefix" >/dev/null
entry=$prefix/share/applications/$id.desktop

# desktop CMD...: runs CMD with only what a desktop session gives a program.
desktop() {
	env -i DISPLAY="$DISPLAY" HOME="$home" USER="${USER:-root}" LANG=C.UTF-8 \
		PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$tmp/run" \
		XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
		setsid "$@" </dev/null >>"$tmp/launch.log" 2>&1
}
windows() { xdotool search --onlyvisible --name '^SMTP Configurator$' 2>/dev/null || true; }
# wait_window: waits up to 60 s for one visible window and prints its id.
wait_window() {
	local w
	for _ in $(seq 3000); do
		w=$(windows | head -1)
		[ -n "$w" ] && { echo "$w"; return; }
		sleep 0.02
	done
	cat "$tmp/launch.log" >&2
	fail "no window titled 'SMTP Configurator' within 60 s"
}
# app_pids: the processes of the installed binary (this test's copy only).
app_pids() { pgrep -f "^$prefix/bin/smtpconf" || true; }
# kill_app: kills the window (SIGKILL: it cleans nothing up) and waits until
# its process is gone, not just out of pgrep's sight.
kill_app() {
	local p ps
	ps=$(app_pids)
	for p in $ps; do kill -9 "$p" 2>/dev/null || true; done
	for _ in $(seq 200); do
		local left=
		for p in $ps; do [ -e "/proc/$p" ] && left=1; done
		[ -z "$left" ] && [ -z "$(app_pids)" ] && return
		sleep 0.05
	done
	fail "the window did not go away"
}

# 1. A menu launch opens the window, with the WM_CLASS the entry promises.
t0=$(date +%s%N)
desktop gio launch "$entry"
win=$(wait_window)
t1=$(date +%s%N)
echo "test-launch: window after $(((t1 - t0) / 1000000)) ms"
wmclass=$(xprop -id "$win" WM_CLASS | sed -n 's/^WM_CLASS(STRING) = //p')
want=$(sed -n 's/^StartupWMClass=//p' "$entry")
[[ $wmclass == *", \"$want\"" ]] || fail "WM_CLASS is $wmclass; the entry's StartupWMClass is '$want'"
echo "test-launch: WM_CLASS $wmclass matches StartupWMClass=$want"
pid=$(xdotool getwindowpid "$win" 2>/dev/null || app_pids | head -1)
pids+=("$pid")

# 2. Another window takes the focus; a second launch exits and gives the
# focus back to the first window.
xmessage -geometry +0+0 "another window" 2>/dev/null &
pids+=("$!")
other=$(timeout 10 xdotool search --sync --name '^xmessage$' | head -1)
xdotool windowfocus --sync "$other"
[ "$(xdotool getwindowfocus)" = "$other" ] || fail "could not focus another window"
desktop gio launch "$entry"
for _ in $(seq 400); do
	[ "$(app_pids | wc -l)" -eq 1 ] && [ "$(xdotool getwindowfocus)" = "$win" ] && break
	sleep 0.05
done
[ "$(app_pids | wc -l)" -eq 1 ] || fail "a second launch left $(app_pids | wc -l) processes"
[ "$(windows | wc -l)" -eq 1 ] || fail "a second launch left $(windows | wc -l) windows"
[ "$(xdotool getwindowfocus)" = "$win" ] || fail "a second launch did not bring the first window to the front"
echo "test-launch: a second launch raised the first window"

# 3. A crashed window (SIGKILL: its socket stays) does not block the next.
kill_app
desktop gio launch "$entry"
win=$(wait_window)
[ "$(windows | wc -l)" -eq 1 ] || fail "after a crash, $(windows | wc -l) windows"
echo "test-launch: a launch after a crash opened the window"
kill_app

# 4. Timing: RUNS menu launches from a closed window.
if [ "$runs" -gt 1 ]; then
	times=()
	for _ in $(seq "$runs"); do
		t0=$(date +%s%N)
		desktop gio launch "$entry"
		wait_window >/dev/null
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000000)))
		kill_app
	done
	sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
	median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
	echo "test-launch: menu launch to window, $runs runs (ms): $sorted; median $median ms"
fi
make -s -C "$here" --no-print-directory uninstall PREFIX="$prefix" >/dev/null
echo "test-launch: ok"
