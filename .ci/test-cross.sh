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

for exe in "smtpconf_${version}_windows_amd64.exe" "smtpconf-nogui_${version}_windows_amd64.exe"; do
	f=$dist/$exe
	x86_64-w64-mingw32-objdump -h "$f" | grep -q '\.rsrc' || fail "$exe has no resource section"
	# The version resource's strings are UTF-16.
	strings -el "$f" | grep -qx 'SMTP Configurator' || fail "$exe has no product name in its version resource"
	strings -el "$f" | grep -qx "$exe" || fail "$exe: the version resource does not name the file"
	strings "$f" | grep -q 'assemblyIdentity' || fail "$exe has no manifest"
done
# An icon resource: the RT_GROUP_ICON directory (type 14) in .rsrc.
x86_64-w64-mingw32-objdump -p "$dist/smtpconf_${version}_windows_amd64.exe" | grep -qiE 'Type: *14|ICON' \
	|| echo "test-cross: note: objdump does not list the resource types; icon checked by go-winres only"
echo "test-cross: ok"
