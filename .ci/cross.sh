#!/bin/bash
# cross.sh VERSION COMMIT OUTDIR — what `make cross` runs.
#
# Builds, into OUTDIR, every file named smtpconf[-nogui]_VERSION_OS_ARCH[.exe]:
#   - the headless command line (CGO off, -tags nogui) for windows/amd64,
#     darwin/arm64, darwin/amd64, linux/arm64 and freebsd/amd64;
#   - the Windows window build, with cgo through Debian's mingw-w64 cross
#     compiler (CC=x86_64-w64-mingw32-gcc), linked as a GUI program so a
#     double-click opens no console.
# Both Windows files carry the icon and a version resource (and a manifest),
# made at build time by go-winres into a .syso that `go build` links and
# that is removed afterwards (it is never committed).
# The window builds for macOS need Apple's SDK: `fyne package -os darwin` on
# a Mac (see README).
set -euo pipefail
version=${1:?usage: cross.sh VERSION COMMIT OUTDIR}
commit=$2
out=$(realpath -m "$3")
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
GO=${GO:-go}
WINRES=${WINRES:?WINRES must name the go-winres binary}
mkdir -p "$out"
ldflags="-s -w -X github.com/smtpconf/smtpconf/smtp.Version=$version -X github.com/smtpconf/smtpconf/smtp.Commit=$commit"

# The Windows version resource wants four numbers: the first three of the
# version (0.2.0 of 0.2.0-3-gabc1234), and the commits since the tag.
nums=$(echo "$version" | grep -oE '^[0-9]+(\.[0-9]+){0,2}' || echo 0)
while [ "$(echo "$nums" | tr -cd . | wc -c)" -lt 2 ]; do nums=$nums.0; done
since=$(echo "$version" | sed -nE 's/^[0-9.]+-([0-9]+)-g.*/\1/p')
winver=$nums.${since:-0}

syso=$here/rsrc_windows_amd64.syso
trap 'rm -f "$syso"' EXIT
# winres MANIFEST: writes the resource for the next Windows build.
winres() {
	"$WINRES" simply --arch amd64 --out "$here/rsrc" --manifest "$1" \
		--icon "$here/assets/icon.png" --product-name "SMTP Configurator" \
		--file-description "SMTP Configurator" --original-filename "$2" \
		--product-version "$winver" --file-version "$winver"
}

for target in ${TARGETS:-windows/amd64 darwin/arm64 darwin/amd64 linux/arm64 freebsd/amd64}; do
	os=${target%/*} arch=${target#*/} ext=
	name=smtpconf-nogui_${version}_${os}_${arch}
	[ "$os" = windows ] && ext=.exe && winres cli "$name$ext"
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch $GO build -trimpath -tags nogui -ldflags "$ldflags" -o "$out/$name$ext" .
	rm -f "$syso"
	echo "built $out/$name$ext"
done

name=smtpconf_${version}_windows_amd64.exe
winres gui "$name"
CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1 GOOS=windows GOARCH=amd64 \
	$GO build -trimpath -ldflags "$ldflags -H windowsgui" -o "$out/$name" .
rm -f "$syso"
echo "built $out/$name"
