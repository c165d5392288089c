#!/bin/sh
# callgrind.sh BUILDDIR [OUT] - instructions per event of pcod (issue 11).
# Starts pcod (BENCH_PCOD, default BUILDDIR/pcod) under valgrind's callgrind
# on loopback in a temporary directory (empty database, unknown accounts
# accepted), waits until it answers, zeroes the counters (so start-up is not
# counted), sends CG_EVENTS frames with pcobench -c 50 -w 8 -H 1 (50 panels,
# each its own unknown account, 8 frames in flight), stops pcod with SIGTERM
# (the shutdown's last commit and close are counted) and prints the total
# and per-event instruction count.  Instruction counts repeat to ~0.1 %
# between runs on a loaded machine, unlike wall-clock time.  OUT keeps the
# profile for callgrind_annotate (default: a file in the temporary
# directory, removed).
#   CG_EVENTS [8000]   frames sent (every one is ACKed and stored)
#   CG_OPTS ["-c 50 -w 8 -H 1"]  pcobench options
# Example: tests/bench/callgrind.sh . /tmp/cg.out
#          callgrind_annotate --inclusive=yes /tmp/cg.out | head -60
set -eu
. "$(dirname "$0")/probe.sh"

B=$(cd "${1:?usage: callgrind.sh BUILDDIR [OUT]}" && pwd)
PCOD=${BENCH_PCOD:-$B/pcod}
BENCH=$B/tests/bench/pcobench
N=${CG_EVENTS:-8000}
OPTS=${CG_OPTS:--c 50 -w 8 -H 1}
for f in "$PCOD" "$BENCH"; do
	[ -x "$f" ] || { echo "callgrind.sh: $f missing (make pcod tests/bench/pcobench)" >&2; exit 1; }
done
command -v valgrind > /dev/null || { echo "callgrind.sh: no valgrind" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcocg.XXXXXX")
OUT=${2:-$tmp/callgrind.out}
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT;; esac
vp=
cleanup() {
	[ -n "$vp" ] && kill -TERM "$vp" 2>/dev/null && wait "$vp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

bench_conf "$tmp"
valgrind --tool=callgrind --callgrind-out-file="$OUT" \
    "$PCOD" -f -c "$tmp/pcod.conf" 2> "$tmp/log" &
vp=$!
bench_wait callgrind.sh "$vp" "$tmp/log"
callgrind_control -z "$vp" > /dev/null 2>&1
# shellcheck disable=SC2086
line=$("$BENCH" -p "$port" -n "$N" -d 600 -a 5A0000 $OPTS < /dev/null | tail -1)
echo "# pcobench: $line"
kill -TERM "$vp"
wait "$vp" || { echo "callgrind.sh: pcod exited $?" >&2; cat "$tmp/log" >&2; exit 1; }
vp=
ack=$(printf '%s\n' "$line" | tr ' ' '\n' | sed -n 's/^events=\([0-9]*\).*/\1/p')
[ "${ack:-0}" = "$N" ] || { echo "callgrind.sh: $ack of $N frames ACKed" >&2; exit 1; }
total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$OUT" | tail -1)
[ -n "$total" ] || total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$OUT" | tail -1)
echo "instructions: $total total, $((total / N)) per event ($N events, pcobench $OPTS)"
