#!/bin/bash
# test-install.sh: `make install` puts every file where the desktop looks
# (with Exec naming the installed binary), and `make uninstall` removes
# exactly what install added: the tree is as before, other apps' files and
# directories that existed before included. Also with DESTDIR.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
id=io.github.smtpconf.smtpconf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-install: $*" >&2; exit 1; }
snapshot() { (cd "$1" && find . | sort); }
mk() { make -s -C "$here" --no-print-directory "$@" >/dev/null; }

# A person's ~/.local, empty: uninstall must leave it empty.
prefix=$tmp/home/.local
mkdir -p "$tmp/home"
before=$(snapshot "$tmp/home")
mk install PREFIX="$prefix"
for f in bin/smtpconf share/applications/$id.desktop share/metainfo/$id.metainfo.xml \
	share/icons/hicolor/scalable/apps/$id.svg share/icons/hicolor/{32x32,48x48,64x64,128x128,256x256,512x512}/apps/$id.png \
	share/smtpconf/install-manifest; do
	[ -f "$prefix/$f" ] || fail "install did not create $f"
done
grep -qx "Exec=$prefix/bin/smtpconf" "$prefix/share/applications/$id.desktop" || fail "Exec does not name the installed binary"
desktop-file-validate "$prefix/share/applications/$id.desktop"
"$prefix/bin/smtpconf" --version >/dev/null || fail "the installed binary does not run"
# Installing again (an upgrade) is fine and still uninstalls cleanly.
mk install PREFIX="$prefix"
mk uninstall PREFIX="$prefix"
[ "$(snapshot "$tmp/home")" = "$before" ] || { diff <(echo "$before") <(snapshot "$tmp/home"); fail "uninstall left files behind"; }

# A prefix shared with other apps: their files and the directories stay.
shared=$tmp/usr
mkdir -p "$shared/bin" "$shared/share/applications" "$shared/share/icons/hicolor/48x48/apps"
touch "$shared/bin/other" "$shared/share/applications/other.desktop" "$shared/share/icons/hicolor/48x48/apps/other.png"
before=$(snapshot "$shared")
mk install PREFIX="$shared"
mk uninstall PREFIX="$shared"
after=$(snapshot "$shared" | grep -vE '/(mimeinfo|icon-theme)\.cache$' || true)
[ "$after" = "$before" ] || { diff <(echo "$before") <(echo "$after"); fail "uninstall in a shared prefix changed it"; }

# DESTDIR: staged under it, with the manifest naming the final paths.
mk install PREFIX=/usr DESTDIR="$tmp/stage"
[ -x "$tmp/stage/usr/bin/smtpconf" ] || fail "DESTDIR install has no binary"
grep -q "^f /usr/bin/smtpconf$" "$tmp/stage/usr/share/smtpconf/install-manifest" || fail "manifest does not name /usr/bin/smtpconf"
grep -qx "Exec=/usr/bin/smtpconf" "$tmp/stage/usr/share/applications/$id.desktop" || fail "DESTDIR leaked into Exec"
mk uninstall PREFIX=/usr DESTDIR="$tmp/stage"
[ -z "$(ls -A "$tmp/stage")" ] || fail "uninstall with DESTDIR left $(cd "$tmp/stage" && find . -mindepth 1 | head -3)"
echo "test-install: ok"
