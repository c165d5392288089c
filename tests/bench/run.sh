#!/bin/sh
# run.sh BUILDDIR - pcod ingest benchmark (make bench): starts pcod on loopback
# in a temporary directory, drives it with pcobench and prints rate, latency
# and pcod's RSS per scenario, then a summary with ratios to the first one.
# Environment: BENCH_RUNS (3), BENCH_EVENTS (100000), BENCH_DURATION (60 s per
# run), BENCH_DIR (where the temporary directory goes; default $TMPDIR or /tmp).
set -eu

B=${1:?usage: run.sh BUILDDIR}
PCOD=$B/pcod
PCOCTL=$B/pcoctl
BENCH=$B/tests/bench/pcobench
RUNS=${BENCH_RUNS:-3}
N=${BENCH_EVENTS:-100000}
DUR=${BENCH_DURATION:-60}
KEY=00112233445566778899AABBCCDDEEFF
PANELS=50

for f in "$PCOD" "$PCOCTL" "$BENCH"; do
	[ -x "$f" ] || { echo "run.sh: $f missing (make pcod pcoctl tests/bench/pcobench)" >&2; exit 1; }
done

tmp=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pcobench.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ctl() { "$PCOCTL" -s "$tmp/pcod.sock" "$@"; }

# Start pcod on a random free-looking port; retry when the bind fails.
start_pcod() {
	for _ in 1 2 3 4 5; do
		port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
		cat > "$tmp/pcod.conf" <<EOF
database "pcod.db"
control "pcod.sock" mode 0600
listen tcp 127.0.0.1:$port idle-timeout 30 max-frame 1024 max-connections 4000 max-per-address 4000
listen udp 127.0.0.1:$port
unknown-accounts accept
log-level warn
$EXTRA_CONF
EOF
		"$PCOD" -f -c "$tmp/pcod.conf" 2> "$tmp/pcod.log" &
		pid=$!
		i=0
		while [ $i -lt 100 ]; do
			kill -0 "$pid" 2>/dev/null || break
			if ctl status > /dev/null 2>&1; then
				return 0
			fi
			sleep 0.1
			i=$((i + 1))
		done
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	done
	echo "run.sh: pcod does not start:" >&2
	cat "$tmp/pcod.log" >&2
	exit 1
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }

# field NAME LINE: the value of NAME=... in a pcobench result line, units cut.
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=\([0-9.]*\).*/\1/p"; }

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Scenarios: name and pcobench options (accounts and -p are added per run).
# The default configuration has the alarm engine on: BA events raise or
# stack alarms (a storm: every account and zone is new to the engine), CL
# closings are only stored, as most of a real centre's traffic is.
SCENARIOS_ON="tcp-w1:-c $PANELS -w 1
tcp-c500-w1:-c 500 -w 1
tcp-w8:-c $PANELS -w 8
udp-w1:-u -c $PANELS -w 1
tcp-aes128-w8:-c $PANELS -w 8 -k $KEY
tcp-w8-closings:-c $PANELS -w 8 -e CL"
# The same load with the engine off (alarm-classes none), for the ratio.
SCENARIOS_OFF="tcp-w1:-c $PANELS -w 1
tcp-c500-w1:-c 500 -w 1
tcp-w8:-c $PANELS -w 8"

summary="$tmp/summary"
: > "$summary"
s=0

# run_set LABEL SCENARIOS: every scenario RUNS times against the running pcod.
run_set() {
	label=$1
	while IFS=: read -r name opts; do
		s=$((s + 1))
		rates='' p50s='' p99s='' rss=''
		r=1
		while [ $r -le "$RUNS" ]; do
			# distinct accounts per run so no frame looks like a retransmission
			prefix=$(printf '%X' $(( (s * 16 + r) * 4096 )))
			case $opts in *-k*)
				i=0
				while [ $i -lt $PANELS ]; do
					ctl account add "$(printf '%X' $(( (s * 16 + r) * 4096 + i )))" \
					    --key "$KEY" < /dev/null > /dev/null
					i=$((i + 1))
				done;;
			esac
			# shellcheck disable=SC2086
			line=$("$BENCH" -p "$port" -n "$N" -d "$DUR" -a "$prefix" $opts < /dev/null) || true
			kill -0 "$pid" 2>/dev/null || { echo "run.sh: pcod died" >&2; cat "$tmp/pcod.log" >&2; exit 1; }
			rss=$(rss_kb)
			echo "$label/$name run $r: $line rss=${rss}kB"
			rates="$rates $(field rate "$line")"
			p50s="$p50s $(field p50 "$line")"
			p99s="$p99s $(field p99 "$line")"
			r=$((r + 1))
		done
		echo "$label/$name $(echo "$rates" | median) $(echo "$p50s" | median) $(echo "$p99s" | median) $rss" >> "$summary"
	done <<EOF
$2
EOF
}

stop_pcod() {
	kill -TERM "$pid"
	if wait "$pid"; then
		echo "# pcod exited 0 after SIGTERM"
	else
		echo "# pcod exited $? after SIGTERM" >&2
	fi
	pid=
	rm -f "$tmp"/pcod.db*
}

EXTRA_CONF=
start_pcod
echo "# pcod $PCOD pid $pid port $port, $(stat -f -c %T "$tmp") at $tmp"
echo "# $RUNS run(s) per scenario, $N events each, limit ${DUR}s, $PANELS panels, $(nproc) CPU(s)"
run_set engine "$SCENARIOS_ON"
stop_pcod
EXTRA_CONF="alarm-classes none"
start_pcod
run_set noengine "$SCENARIOS_OFF"
stop_pcod

echo
echo "# summary (median of $RUNS run(s); ratio = rate / first scenario's rate)"
awk 'BEGIN { printf "%-26s %10s %7s %10s %10s %10s\n", "scenario", "events/s", "ratio", "p50 ms", "p99 ms", "RSS kB" }
     NR == 1 { base = $2 }
     { ratio = 0; if (base > 0) ratio = $2 / base
       printf "%-26s %10.0f %7.2f %10.3f %10.3f %10s\n", $1, $2, ratio, $3, $4, $5 }' "$summary"


echo
echo "# engine on / engine off, same load (median rates)"
awk '{ split($1, k, "/"); r[k[1], k[2]] = $2; n[k[2]] = 1 }
     END { for (x in n) if ((("noengine", x) in r) && r["noengine", x] > 0)
             printf "%-16s %10.0f %10.0f %7.2f\n", x, r["engine", x], r["noengine", x],
                 r["engine", x] / r["noengine", x] }' "$summary" | sort
