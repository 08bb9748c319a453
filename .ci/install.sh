#!/bin/bash
# install.sh install|uninstall — what `make install` and `make uninstall` run.
#
# Environment (set by the Makefile):
#   PREFIX    where the app goes (bin/, share/); default ~/.local, /usr/local for root
#   DESTDIR   staging root prepended to every path (packaging); default none
#   BINARY    the built binary to install (install only)
#   ICONS     the rendered hicolor icon tree (install only)
#   MANIFEST  "no" to skip the manifest (the .deb, which dpkg tracks itself)
#
# install copies the binary, the desktop entry (Exec pointing at the installed
# binary, so a menu launch needs no PATH), the icons and the AppStream
# metainfo, and writes a manifest of every file and every directory it
# created to PREFIX/share/smtpconf/install-manifest. uninstall removes exactly
# those, newest first, and a directory only when it is empty. Both refresh
# the desktop and icon caches when the tools exist and DESTDIR is empty.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
id=io.github.smtpconf.smtpconf
if [ -z "${PREFIX:-}" ]; then
	if [ "$(id -u)" -eq 0 ]; then PREFIX=/usr/local; else PREFIX=$HOME/.local; fi
fi
DESTDIR=${DESTDIR:-}
root=$DESTDIR$PREFIX
manifest=$root/share/smtpconf/install-manifest

# refresh_caches: tells the desktop about new or removed entries and icons.
# Only for a real install: a staging tree (DESTDIR) is refreshed by its
# package manager on the target.
refresh_caches() {
	[ -z "$DESTDIR" ] || return 0
	if command -v update-desktop-database >/dev/null && [ -d "$root/share/applications" ]; then
		update-desktop-database -q "$root/share/applications" || true
	fi
	if command -v gtk-update-icon-cache >/dev/null && [ -d "$root/share/icons/hicolor" ]; then
		gtk-update-icon-cache -q -f -t "$root/share/icons/hicolor" || true
	fi
}

record=()
# mkdirs DIR: creates DIR and its missing parents, recording each one made.
mkdirs() {
	local d=$1 missing=()
	while [ ! -d "$d" ]; do
		missing=("$d" "${missing[@]}")
		d=$(dirname "$d")
	done
	for d in "${missing[@]}"; do
		mkdir -m 755 "$d"
		# The staging root itself (and its parents) is not part of the install.
		if [ -z "$DESTDIR" ] || [[ $d == "$DESTDIR"/* ]]; then
			record+=("d ${d#"$DESTDIR"}")
		fi
	done
}
# put MODE SRC DEST: installs one file and records it.
put() {
	mkdirs "$(dirname "$DESTDIR$3")"
	install -m "$1" "$2" "$DESTDIR$3"
	record+=("f $3")
}

case "${1:-}" in
install)
	: "${BINARY:?BINARY is required}" "${ICONS:?ICONS is required}"
	if [ "${MANIFEST:-yes}" != no ] && [ -f "$manifest" ]; then
		# Installed before: uninstall that first, so the new manifest holds
		# every file and the directories the first install made.
		"$0" uninstall
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	sed "s|^Exec=smtpconf\$|Exec=$PREFIX/bin/smtpconf|" "$here/assets/linux/$id.desktop" >"$tmp/$id.desktop"
	put 755 "$BINARY" "$PREFIX/bin/smtpconf"
	put 644 "$tmp/$id.desktop" "$PREFIX/share/applications/$id.desktop"
	put 644 "$here/assets/linux/$id.metainfo.xml" "$PREFIX/share/metainfo/$id.metainfo.xml"
	(cd "$ICONS" && find . -type f | sort) | while read -r f; do echo "${f#./}"; done >"$tmp/icons"
	while read -r f; do
		put 644 "$ICONS/$f" "$PREFIX/share/icons/hicolor/$f"
	done <"$tmp/icons"
	if [ "${MANIFEST:-yes}" != no ]; then
		mkdirs "$(dirname "$manifest")"
		record+=("f ${manifest#"$DESTDIR"}")
		printf '%s\n' "${record[@]}" >"$manifest"
	fi
	refresh_caches
	echo "Installed SMTP Configurator in $root (manifest: ${manifest#"$DESTDIR"})"
	;;
uninstall)
	if [ ! -f "$manifest" ]; then
		echo "Nothing to uninstall: no $manifest (was it installed with another PREFIX?)" >&2
		exit 1
	fi
	# Files first, then directories deepest first; a directory that holds
	# anything else (or only the caches that the refresh wrote) stays, apart
	# from those caches in a directory this install made.
	tac "$manifest" | while read -r kind path; do
		case $kind in
		f) rm -f "$DESTDIR$path" ;;
		d)
			for cache in mimeinfo.cache icon-theme.cache; do
				if [ -f "$DESTDIR$path/$cache" ] && [ "$(ls -A "$DESTDIR$path")" = "$cache" ]; then
					rm -f "$DESTDIR$path/$cache"
				fi
			done
			rmdir "$DESTDIR$path" 2>/dev/null || true
			;;
		esac
	done
	refresh_caches
	echo "Uninstalled SMTP Configurator from $root"
	;;
*)
	echo "usage: install.sh install|uninstall" >&2
	exit 2
	;;
esac
