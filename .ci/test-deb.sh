#!/bin/bash
# test-deb.sh DEB VERSION: the .deb unpacks (dpkg -x) into a scratch root
# with exactly the expected files, valid metadata, and a binary whose
# --version names VERSION.
set -euo pipefail
deb=$(realpath "${1:?usage: test-deb.sh DEB VERSION}")
version=${2:?usage: test-deb.sh DEB VERSION}
id=io.github.smtpconf.smtpconf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-deb: $*" >&2; exit 1; }

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = smtpconf ] || fail "Package is $(field Package)"
[ "$(field Version)" = "${version//-/+}" ] || fail "Version is $(field Version), want ${version//-/+}"
depends=$(field Depends)
for lib in libc6 libgl1 libx11-6 libxcursor1 libxrandr2; do
	[[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done
[[ $depends != *gnome-keyring* && $depends != *-dev* ]] || fail "Depends has more than runtime libraries: $depends"
[[ $(field Recommends) == *gnome-keyring* ]] || fail "Recommends lacks gnome-keyring"
# Every dependency is a real package: this machine has each one installed
# (the build needs their -dev packages, which pull them in).
for p in $(echo "$depends" | tr ',' '\n' | sed 's/(.*//; s/|.*//' | xargs); do
	dpkg-query -W "$p" >/dev/null 2>&1 || fail "Depends names $p, which is not a package installed here"
done

dpkg -x "$deb" "$tmp/root"
(cd "$tmp/root" && find . -type f | sort) >"$tmp/files"
{
	echo ./usr/bin/smtpconf
	echo ./usr/share/applications/$id.desktop
	echo ./usr/share/doc/smtpconf/README.md.gz
	for s in 128 256 32 48 512 64; do echo "./usr/share/icons/hicolor/${s}x$s/apps/$id.png"; done
	echo ./usr/share/icons/hicolor/scalable/apps/$id.svg
	echo ./usr/share/metainfo/$id.metainfo.xml
} | sort >"$tmp/want"
diff -u "$tmp/want" "$tmp/files" || fail "unexpected files in the package"
desktop-file-validate "$tmp/root/usr/share/applications/$id.desktop"
grep -qx "Exec=/usr/bin/smtpconf" "$tmp/root/usr/share/applications/$id.desktop" || fail "Exec does not name /usr/bin/smtpconf"

out=$("$tmp/root/usr/bin/smtpconf" --version) || fail "smtpconf --version exited $?"
[[ $out =~ ^smtpconf\ ${version//./\\.}\ \([0-9a-f]{7,}\)$ ]] || fail "smtpconf --version printed '$out', want 'smtpconf $version (COMMIT)'"
echo "test-deb: ok ($out; $(du -h "$deb" | cut -f1))"
