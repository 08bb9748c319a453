#!/bin/bash
# Times one test message per process against the same local server
# (STARTTLS + AUTH PLAIN): smtpconf (headless and default builds), swaks,
# and minimal go-mail programs that read the password from the keyring
# (one of them also linking Fyne). Run through `make bench`; needs hyperfine
# and swaks (apt install hyperfine swaks). Results go to bench-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SMTPCONF_KEYRING_TEST:-}" ]; then
	exec .ci/with-keyring.sh "$0" "$@"
fi
for t in hyperfine swaks; do
	command -v $t >/dev/null || { echo "bench: $t is missing: apt install $t" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
user=bench@example.com
pass=bench-Pa55
go build -o "$work/minimal" ./smtp/internal/bench/minimal
go build -tags withfyne -o "$work/minimal-fyne" ./smtp/internal/bench/minimal
go build -o "$work/inboxserver" ./smtp/internal/bench/inboxserver
"$work/inboxserver" "$work/inbox" "$user" "$pass" >"$work/server.txt" &
server=$!
for _ in $(seq 50); do [ -s "$work/server.txt" ] && break; sleep 0.1; done
read -r port ca <"$work/server.txt"
cfg="$work/config"
printf '%s\n' "$pass" | bin/smtpconf-nogui --config-dir "$cfg" profile save bench --host 127.0.0.1 --port "$port" \
	--security starttls --auth plain --username "$user" --from "$user" --ca-file "$ca" --password-stdin >/dev/null
hyperfine -N --warmup 3 --runs "${RUNS:-40}" --export-markdown bench-results.md \
	-n "smtpconf (nogui)" "bin/smtpconf-nogui --config-dir $cfg test bench --no-queue" \
	-n "smtpconf (default build)" "bin/smtpconf --config-dir $cfg test bench --no-queue" \
	-n "minimal go-mail" "$work/minimal $port $ca $user bench" \
	-n "minimal go-mail + Fyne" "$work/minimal-fyne $port $ca $user bench" \
	-n "swaks" "swaks --silent 2 --server 127.0.0.1:$port --tls --tls-verify --tls-ca-path $ca --auth PLAIN --auth-user $user --auth-password $pass --from $user --to $user"
cat bench-results.md
