#!/bin/bash
# Installs the Debian/Ubuntu packages given as arguments when any is missing:
# directly as root, through sudo otherwise, and with a clear message when
# neither is possible.
set -euo pipefail
missing=()
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
	echo "Missing packages: ${missing[*]}. This system has no apt-get: install their equivalents by hand." >&2
	exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
	SUDO=()
elif command -v sudo >/dev/null && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
	# Passwordless sudo, or a terminal where sudo can ask for the password.
	SUDO=(sudo)
else
	echo "Missing packages: ${missing[*]}." >&2
	echo "Install them as root: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "Installing missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix would ask how to set itself up and, as an "Internet Site", start a
# mail server; the tests only run postconf and postmap, so it is installed
# unconfigured.
for p in "${missing[@]}"; do
	if [ "$p" = postfix ] && command -v debconf-set-selections >/dev/null; then
		echo "postfix postfix/main_mailer_type select No configuration" | "${SUDO[@]}" debconf-set-selections
	fi
done
if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
	"${SUDO[@]}" apt-get update -q
	"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
