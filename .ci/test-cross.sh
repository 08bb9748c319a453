#!/bin/bash
# test-cross.sh VERSION DIST: every file that `make cross` should have made is
# in DIST, named smtpconf[-nogui]_VERSION_OS_ARCH, of the right kind for its
# system, and the Windows ones carry the icon, the version resource and a
# manifest; the window build is a GUI program, the command line a console one.
set -euo pipefail
version=${1:?usage: test-cross.sh VERSION DIST}
dist=${2:?usage: test-cross.sh VERSION DIST}
fail() { echo "test-cross: $*" >&2; exit 1; }

# check FILE PATTERN: `file` describes FILE as matching PATTERN (a regex).
check() {
	local f=$dist/$1
	[ -f "$f" ] || fail "missing $f"
	local kind
	kind=$(file -b "$f")
	[[ $kind =~ $2 ]] || fail "$1 is '$kind', want /$2/"
	printf '%-48s %6s  %s\n' "$1" "$(du -h "$f" | cut -f1)" "${kind%%,*}"
}
check "smtpconf_${version}_windows_amd64.exe" 'PE32\+ executable \(GUI\) x86-64'
check "smtpconf-nogui_${version}_windows_amd64.exe" 'PE32\+ executable \(console\) x86-64'
check "smtpconf-nogui_${version}_darwin_arm64" 'Mach-O 64-bit arm64'
check "smtpconf-nogui_${version}_darwin_amd64" 'Mach-O 64-bit x86_64'
check "smtpconf-nogui_${version}_linux_arm64" 'ELF 64-bit LSB executable, ARM aarch64'
check "smtpconf-nogui_${version}_freebsd_amd64" 'ELF 64-bit LSB executable, x86-64.*FreeBSD'

# The resources, read back with go-winres: icon, manifest, version.
WINRES=${WINRES:?WINRES must name the go-winres binary}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for exe in "smtpconf_${version}_windows_amd64.exe" "smtpconf-nogui_${version}_windows_amd64.exe"; do
	rm -rf "$tmp/res"
	"$WINRES" extract --dir "$tmp/res" "$dist/$exe" >/dev/null
	json=$tmp/res/winres.json
	for r in RT_GROUP_ICON RT_MANIFEST RT_VERSION; do
		grep -q "\"$r\"" "$json" || fail "$exe has no $r resource"
	done
	grep -q "\"OriginalFilename\": \"$exe\"" "$json" || fail "$exe: the version resource names another file"
	grep -q '"ProductName": "SMTP Configurator"' "$json" || fail "$exe: no product name in the version resource"
	grep -qE "\"FileVersion\": \"${version%%-*}(\\.[0-9]+)+\"" "$json" || fail "$exe: FileVersion is not $version: $(grep FileVersion "$json")"
	icons=$(file -b "$tmp"/res/*.ico)
	[[ $icons =~ ([0-9]+)\ icons ]] && [ "${BASH_REMATCH[1]}" -ge 4 ] || fail "$exe: the icon has too few sizes: $icons"
done
echo "test-cross: ok"
