#!/bin/bash
# Measures the local mail path of issue 13 against the tools people use
# instead, on this machine, and writes bench-relay-results.md:
#
#  1. acceptance: N messages of SIZE bytes from CLIENTS concurrent clients
#     (smtpload), answered by `smtpconf relay` and by Postfix's smtpd (a
#     private instance: its own config and queue directory), both relaying
#     to the same blackhole (smtpsink); REPS repetitions, median;
#  2. one message per process: `smtpconf sendmail` (queue durably, then
#     deliver) and `sendmail -odq` (queue only) next to msmtp (deliver
#     only), all to the same blackhole (hyperfine, RUNS runs);
#  3. drain: DRAIN_N messages queued with `sendmail -odq`, then timed
#     `smtpconf queue run` to the blackhole; DRAIN_REPS repetitions.
#
# Run through `make bench-relay` (root: Postfix's master runs as root).
# Everything runs in a private network namespace with only a loopback
# interface, so neither Postfix nor anything else can reach the network;
# the queues live under BENCH_DIR (default /var/tmp), which must be a real
# disk for fsync to mean what it means in production (not tmpfs).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000} SIZE=${SIZE:-10240} CLIENTS=${CLIENTS:-4} REPS=${REPS:-3}
RUNS=${RUNS:-40} DRAIN_N=${DRAIN_N:-1000} DRAIN_REPS=${DRAIN_REPS:-2}
OUT=${OUT:-bench-relay-results.md} BENCH_DIR=${BENCH_DIR:-/var/tmp}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-relay: run as root (a private Postfix instance and a private network namespace need it)" >&2
	exit 1
fi
if [ -z "${BENCH_RELAY_STAGE:-}" ]; then
	# Postfix asks how to configure itself when installed: no configuration
	# at all (the system instance stays off; this script runs its own).
	if ! dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q "install ok installed"; then
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	fi
	DEBIAN_FRONTEND=noninteractive .ci/ensure-packages.sh postfix msmtp hyperfine strace python3 \
		iproute2 util-linux dbus gnome-keyring
	for b in bin/smtpconf-nogui bin/smtpconf; do
		[ -x "$b" ] || { echo "bench-relay: $b is missing: run make build build-nogui" >&2; exit 1; }
	done
	# Built here: inside the namespace there is no module proxy.
	BENCH_RELAY_TOOLS=$(mktemp -d "$BENCH_DIR/smtpconf-bench-tools.XXXXXX")
	go build -o "$BENCH_RELAY_TOOLS/smtpload" ./smtp/internal/bench/smtpload
	go build -o "$BENCH_RELAY_TOOLS/smtpsink" ./smtp/internal/bench/smtpsink
	export BENCH_RELAY_STAGE=netns BENCH_RELAY_TOOLS
	exec unshare --net -- "$0" "$@"
fi
if [ "$BENCH_RELAY_STAGE" = netns ]; then
	ip link set lo up
	# A throw-away keyring, as the tests use: no profile here has a secret,
	# but nothing may touch the keyring of the person running this.
	export BENCH_RELAY_STAGE=run
	exec .ci/with-keyring.sh "$0" "$@"
fi

work=$(mktemp -d "$BENCH_DIR/smtpconf-bench-relay.XXXXXX")
chmod 755 "$work" # Postfix's daemons (user postfix) walk into it
pids=()
postfix_dirs=()
cleanup() {
	for d in "${postfix_dirs[@]}"; do postfix -c "$d" stop >/dev/null 2>&1 || true; done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	rm -rf "$work"
}
trap cleanup EXIT

log() { echo "bench-relay: $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
now() { date +%s.%N; }

# free_port prints a loopback port nobody listens on.
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "bench-relay: no free port" >&2
	return 1
}

# wait_port PORT: until something accepts connections there (10 s at most).
wait_port() {
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	log "nothing listens on 127.0.0.1:$1"
	return 1
}

mv "$BENCH_RELAY_TOOLS"/smtpload "$BENCH_RELAY_TOOLS"/smtpsink "$work/"
rmdir "$BENCH_RELAY_TOOLS"
smtpconf=$PWD/bin/smtpconf-nogui

# start_sink NAME: a blackhole on a free port; sets sink_pid and sink_port.
start_sink() {
	"$work/smtpsink" >"$work/$1.sink" &
	sink_pid=$!
	pids+=("$sink_pid")
	for _ in $(seq 50); do [ -s "$work/$1.sink" ] && break; sleep 0.1; done
	sink_port=$(head -1 "$work/$1.sink" | cut -d: -f2)
}

# sink_count NAME: messages the blackhole has counted so far.
sink_count() { tail -1 "$work/$1.sink" | awk '/messages/ {print $1; exit} {print 0}'; }

# profile DIR PORT: a config directory whose profile "bench" (the default)
# sends to 127.0.0.1:PORT in plain text, as to a blackhole.
profile() {
	"$smtpconf" --config-dir "$1" profile save bench --host 127.0.0.1 --port "$2" \
		--security none --auth none --from bench@bench.example >/dev/null
	"$smtpconf" --config-dir "$1" profile default bench >/dev/null
}

# ---- Postfix: a private instance ----------------------------------------

# postfix_setup DIR PORT SINKPORT: main.cf and master.cf for an instance
# whose only listener is smtpd on 127.0.0.1:PORT, relaying everything to
# the blackhole, with its queue under DIR. No local delivery, no DNS, no
# TLS (neither side of the smtpconf measurement uses any either).
postfix_setup() {
	local d=$1 port=$2 sport=$3
	mkdir -p "$d/etc" "$d/spool" "$d/data"
	chown postfix:postfix "$d/data"
	cat >"$d/etc/main.cf" <<EOF
compatibility_level = 3.6
config_directory = $d/etc
queue_directory = $d/spool
data_directory = $d/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $d/maillog
maillog_file_prefixes = $d
myhostname = postfix.bench.localdomain
mydomain = bench.localdomain
myorigin = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
local_recipient_maps =
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
relayhost = [127.0.0.1]:$sport
default_transport = smtp
relay_transport = smtp
mynetworks = 127.0.0.0/8
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtp_tls_security_level = none
smtpd_tls_security_level = none
message_size_limit = 20480000
EOF
	# No chroot: the queue directory is not a prepared jail.
	cat >"$d/etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup     unix  n - n 60 1 pickup
cleanup    unix  n - n -  0 cleanup
qmgr       unix  n - n 300 1 qmgr
rewrite    unix  - - n -  - trivial-rewrite
bounce     unix  - - n -  0 bounce
defer      unix  - - n -  0 bounce
trace      unix  - - n -  0 bounce
verify     unix  - - n -  1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -  - proxymap
proxywrite unix  - - n -  1 proxymap
smtp       unix  - - n -  - smtp
relay      unix  - - n -  - smtp
showq      unix  n - n -  - showq
error      unix  - - n -  - error
retry      unix  - - n -  - error
discard    unix  - - n -  - discard
anvil      unix  - - n -  1 anvil
scache     unix  - - n -  1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
	# Postfix prints its errors only to a terminal: give it one.
	if ! script -qec "postfix -c $d/etc check" /dev/null >"$d/check.txt" 2>&1 ||
		! script -qec "postfix -c $d/etc start" /dev/null >"$d/start.txt" 2>&1; then
		cat "$d"/check.txt "$d"/start.txt >&2 2>/dev/null
		log "the private Postfix instance did not start"
		return 1
	fi
	postfix_dirs+=("$d/etc")
	wait_port "$port"
}

# postfix_queued DIR: messages in the instance's queue.
postfix_queued() { find "$1/spool/incoming" "$1/spool/active" "$1/spool/deferred" -type f 2>/dev/null | wc -l; }

# postfix_drain DIR: until the queue is empty (120 s at most).
postfix_drain() {
	for _ in $(seq 1200); do
		[ "$(postfix_queued "$1")" -eq 0 ] && return 0
		sleep 0.1
	done
	log "Postfix still has $(postfix_queued "$1") messages queued"
}

# rate LOADOUTPUT: the messages/s that smtpload printed.
rate() { sed -n 's/.*: \([0-9.]*\) msg\/s$/\1/p' "$1"; }

# ---- 1. acceptance --------------------------------------------------------

start_sink accept
accept_sink=$sink_port
pf=$work/postfix
pf_port=$(free_port)
log "private Postfix on 127.0.0.1:$pf_port, relaying to the blackhole on $accept_sink"
postfix_setup "$pf" "$pf_port" "$accept_sink"
pf_version=$(postconf -c "$pf/etc" -h mail_version)

# relay_start DIR: a relay with a fresh outbox; sets relay_pid, relay_port.
relay_start() {
	profile "$1" "$accept_sink"
	relay_port=$(free_port)
	"$smtpconf" --config-dir "$1" relay --profile bench --listen "127.0.0.1:$relay_port" 2>"$1.log" &
	relay_pid=$!
	pids+=("$relay_pid")
	wait_port "$relay_port"
}
relay_stop() {
	kill -TERM "$relay_pid"
	wait "$relay_pid" || true
}

# Equal durability: every 250 follows an fsync on each side. Count the
# fsync calls of each server while it accepts a few messages.
durability() {
	local name=$1 pid=$2 port=$3 n=40
	strace -f -qq -e trace=fsync,fdatasync -o "$work/$name.strace" -p "$pid" &
	local st=$!
	sleep 1
	"$work/smtpload" -addr "127.0.0.1:$port" -n $n -size "$SIZE" -c 1 >/dev/null
	sleep 0.5
	kill "$st"
	wait "$st" 2>/dev/null || true
	local calls
	calls=$(grep -cE '(fsync|fdatasync)\(' "$work/$name.strace" || true)
	echo "| $name | $n | $calls |"
}
relay_start "$work/durability-relay"
{
	echo "| server | messages | fsync/fdatasync calls |"
	echo "| --- | ---: | ---: |"
	durability "smtpconf relay" "$relay_pid" "$relay_port"
	relay_stop
	durability "Postfix (master and children)" "$(head -1 "$pf/spool/pid/master.pid" | tr -d ' ')" "$pf_port"
} >"$work/durability.md"
postfix_drain "$pf"

accept_rows=()
relay_rates=()
pf_rates=()
for rep in $(seq "$REPS"); do
	# Alternate which goes first, so a change of load in between hurts
	# each side alike.
	order="relay postfix"
	[ $((rep % 2)) -eq 0 ] && order="postfix relay"
	for who in $order; do
		l=$(load)
		if [ "$who" = relay ]; then
			relay_start "$work/accept-$rep"
			"$work/smtpload" -addr "127.0.0.1:$relay_port" -n "$N" -size "$SIZE" -c "$CLIENTS" >"$work/load-relay-$rep" 2>&1 || cat "$work/load-relay-$rep" >&2
			relay_stop
			r=$(rate "$work/load-relay-$rep")
			relay_rates+=("$r")
			accept_rows+=("| $rep | smtpconf relay | $r | $l | $(cat "$work/load-relay-$rep") |")
		else
			"$work/smtpload" -addr "127.0.0.1:$pf_port" -n "$N" -size "$SIZE" -c "$CLIENTS" >"$work/load-postfix-$rep" 2>&1 || cat "$work/load-postfix-$rep" >&2
			postfix_drain "$pf"
			r=$(rate "$work/load-postfix-$rep")
			pf_rates+=("$r")
			accept_rows+=("| $rep | Postfix smtpd | $r | $l | $(cat "$work/load-postfix-$rep") |")
		fi
		log "acceptance $rep $who: $r msg/s (load $l)"
	done
done
relay_median=$(printf '%s\n' "${relay_rates[@]}" | median)
pf_median=$(printf '%s\n' "${pf_rates[@]}" | median)
postfix -c "$pf/etc" stop >/dev/null 2>&1 || true
postfix_dirs=()

# ---- 2. one message per process -------------------------------------------

start_sink one
msg=$work/message.eml
{
	printf 'From: Bench <bench@bench.example>\nTo: Sink <sink@bench.example>\nSubject: sendmail bench\n'
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n'
	for _ in $(seq 26); do printf '%s\n' "$(printf '0123456789%.0s' $(seq 7))abcdef"; done
} >"$msg"
profile "$work/one" "$sink_port"
profile "$work/one-odq" "$sink_port"
profile "$work/one-gui" "$sink_port"
cat >"$work/msmtprc" <<EOF
defaults
auth off
tls off
account bench
host 127.0.0.1
port $sink_port
from bench@bench.example
account default : bench
EOF
chmod 600 "$work/msmtprc"
one_load=$(load)
hyperfine --warmup 3 --runs "$RUNS" --export-markdown "$work/one.md" --export-json "$work/one.json" \
	-n "msmtp (deliver only)" "msmtp -C $work/msmtprc -t <$msg" \
	-n "smtpconf sendmail (nogui: queue+fsync, then deliver)" "$smtpconf --config-dir $work/one sendmail -t -i <$msg" \
	-n "smtpconf sendmail (default build)" "$PWD/bin/smtpconf --config-dir $work/one-gui sendmail -t -i <$msg" \
	-n "smtpconf sendmail -odq (nogui: queue+fsync only)" "$smtpconf --config-dir $work/one-odq sendmail -odq -t -i <$msg" \
	>"$work/one.txt" 2>&1 || { cat "$work/one.txt" >&2; exit 1; }
one_load="$one_load → $(load)"

# ---- 3. drain ---------------------------------------------------------------

drain_rows=()
for rep in $(seq "$DRAIN_REPS"); do
	start_sink "drain-$rep"
	d=$work/drain-$rep
	profile "$d" "$sink_port"
	t0=$(now)
	seq "$DRAIN_N" | xargs -P 4 -I{} sh -c "'$smtpconf' --config-dir '$d' sendmail -odq -t -i <'$msg'"
	t1=$(now)
	queued=$("$smtpconf" --config-dir "$d" queue list --json | grep -c '"state": "queued"' || true)
	l=$(load)
	t2=$(now)
	"$smtpconf" --config-dir "$d" queue run --json >"$d.run.json"
	t3=$(now)
	sleep 1.2 # the blackhole reports once a second
	got=$(sink_count "drain-$rep")
	kill "$sink_pid"
	wait "$sink_pid" 2>/dev/null || true
	enq=$(echo "$DRAIN_N $t0 $t1" | awk '{printf "%.0f", $1/($3-$2)}')
	drate=$(echo "$got $t2 $t3" | awk '{printf "%.0f", $1/($3-$2)}')
	drain_rows+=("| $rep | $queued | $got | $(echo "$t2 $t3" | awk '{printf "%.2f", $2-$1}') | **$drate** | $enq | $l | $(tail -1 "$work/drain-$rep.sink") |")
	log "drain $rep: $got of $queued delivered, $drate msg/s (load $l)"
done

# ---- report -------------------------------------------------------------------

{
	echo "# smtpconf relay, sendmail and drain benchmark"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(nproc) cores; queues on $(df -T "$work" | awk 'NR==2 {print $2}') ($BENCH_DIR)."
	echo "smtpconf $("$smtpconf" version | head -1 | awk '{print $2}') ($(git rev-parse --short HEAD 2>/dev/null || echo '?')), $(go version | awk '{print $3}');"
	echo "Postfix $pf_version; $(msmtp --version | head -1); $(hyperfine --version)."
	echo "Load average (1, 5, 15 min) is given next to each figure: other jobs may share the machine."
	echo
	echo "## 1. Acceptance: $N messages of $SIZE bytes from $CLIENTS clients (median of $REPS)"
	echo
	echo "| server | median msg/s |"
	echo "| --- | ---: |"
	echo "| smtpconf relay | **$relay_median** |"
	echo "| Postfix smtpd (private instance) | **$pf_median** |"
	echo
	echo "| rep | server | msg/s | load before | smtpload |"
	echo "| ---: | --- | ---: | --- | --- |"
	printf '%s\n' "${accept_rows[@]}"
	echo
	echo "Both relay to the same blackhole while they accept. Durability: every 250 waits for an fsync"
	echo "(the relay: SQLite WAL with synchronous=FULL; Postfix: cleanup fsyncs the queue file before"
	echo "smtpd answers). Counted with strace while each accepted a few messages from one client:"
	echo
	cat "$work/durability.md"
	echo
	echo "## 2. One message per process (~$(wc -c <"$msg") bytes, to the blackhole; load $one_load)"
	echo
	cat "$work/one.md"
	echo
	# Medians too: on a shared machine a few slow runs move the mean.
	python3 -c '
import json, sys
print("| Command | Median [ms] | User+Sys CPU [ms] |")
print("|:---|---:|---:|")
for r in json.load(open(sys.argv[1]))["results"]:
    print("| `%s` | %.1f | %.1f |" % (r["command"], r["median"] * 1000, (r["user"] + r["system"]) * 1000))
' "$work/one.json"
	echo
	echo "msmtp only delivers; smtpconf sendmail first stores the message durably (fsync), then delivers"
	echo "it; with -odq it only stores it. msmtp writes the message in many small pieces without"
	echo "TCP_NODELAY, so it can wait a delayed ACK (~40 ms) for the final reply; smtpconf (Go) sets"
	echo "TCP_NODELAY. Check with: strace -tt msmtp ... (the gap before the final 250)."
	echo
	echo "## 3. Drain: \`smtpconf queue run\` of $DRAIN_N queued messages to the blackhole"
	echo
	echo "| rep | queued | delivered | queue run s | delivered msg/s | queued by sendmail -odq -P4, msg/s | load before | blackhole |"
	echo "| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
	printf '%s\n' "${drain_rows[@]}"
	echo
	echo "Run with: N=$N SIZE=$SIZE CLIENTS=$CLIENTS REPS=$REPS RUNS=$RUNS DRAIN_N=$DRAIN_N DRAIN_REPS=$DRAIN_REPS make bench-relay"
} >"$OUT"
cat "$OUT"
