#!/bin/bash
# make-deb.sh BINARY ICONS VERSION OUT.deb
#
# Builds the Debian package with dpkg-deb from the same install as
# `make install` (PREFIX=/usr into a staging root). Depends is computed by
# dpkg-shlibdeps from the libraries the binary really links (libc, OpenGL,
# X11), plus those GLFW opens at run time, so it names the runtime
# libraries only; Recommends gnome-keyring,
# where the passwords go. The desktop and icon caches are refreshed on the
# target by the triggers of desktop-file-utils and hicolor-icon-theme, so
# the package has no maintainer scripts.
set -euo pipefail
bin=$(realpath "${1:?usage: make-deb.sh BINARY ICONS VERSION OUT.deb}")
icons=$(realpath "$2")
version=$3
out=$(realpath -m "$4")
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

PREFIX=/usr DESTDIR=$root BINARY=$bin ICONS=$icons MANIFEST=no "$here/.ci/install.sh" install >/dev/null

# A Debian version may not contain "-" outside the revision: a describe
# string such as 0.2.0-3-gabc1234 becomes 0.2.0+3+gabc1234.
debver=${version//-/+}
arch=$(dpkg --print-architecture)
case "$(file -b "$bin")" in
*aarch64*) arch=arm64 ;;
*x86-64*) arch=amd64 ;;
esac

# dpkg-shlibdeps wants to run inside a source package.
mkdir -p "$tmp/src/debian"
printf 'Source: smtpconf\n\nPackage: smtpconf\nArchitecture: any\n' >"$tmp/src/debian/control"
depends=$(cd "$tmp/src" && dpkg-shlibdeps -O -e"$root/usr/bin/smtpconf" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "make-deb.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# GLFW loads these X11 libraries at run time (dlopen), which dpkg-shlibdeps
# cannot see: cursors, monitors and scaling, input, gamma, transparency.
depends="$depends, libxcursor1, libxrandr2, libxi6, libxinerama1, libxxf86vm1, libxrender1"

mkdir -p "$root/usr/share/doc/smtpconf"
gzip -9n <"$here/README.md" >"$root/usr/share/doc/smtpconf/README.md.gz"
chmod 644 "$root/usr/share/doc/smtpconf/README.md.gz"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: smtpconf
Version: $debver
Architecture: $arch
Maintainer: SMTP Configurator developers <dev@smtpconf.invalid>
Installed-Size: $size
Depends: $depends
Recommends: gnome-keyring
Suggests: fonts-wqy-microhei | fonts-noto-cjk
Section: mail
Priority: optional
Homepage: https://github.com/smtpconf/smtpconf
Description: set up outgoing mail (SMTP) and prove it works
 SMTP Configurator finds the server settings for an email address, keeps the
 password in the system keyring, sends a test message and explains every
 failure in plain words. A window for the desktop and a command line for
 scripts and servers, with an outbox that retries what could not be sent.
CONTROL
find "$root" -type d -exec chmod 755 {} +
mkdir -p "$(dirname "$out")"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "wrote $out ($(du -h "$out" | cut -f1))"
