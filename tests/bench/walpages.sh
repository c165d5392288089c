#!/bin/sh
# walpages.sh BUILDDIR - WAL pages written per commit and per event (issue 11).
# Starts pcod (BENCH_PCOD, default BUILDDIR/pcod) under strace, which logs
# every pwrite64 with its file (-y), on loopback in a temporary directory
# (empty database, unknown accounts accepted), sends WP_EVENTS frames with
# pcobench WP_OPTS (default w1-64: 64 panels, each its own account, one frame
# in flight), stops pcod with SIGTERM and counts the bytes written to the
# -wal file: a WAL frame is a 24-byte header and a page (4096 bytes).  The
# commits are pcod's own count (pcoctl status).  Bounded and on 127.0.0.1;
# the count, not the rate, is the figure (strace slows pcod down).
#   WP_EVENTS [8000]   frames sent
#   WP_OPTS ["-c 64 -w 1 -H 1"]  pcobench options
set -eu
. "$(dirname "$0")/probe.sh"

B=$(cd "${1:?usage: walpages.sh BUILDDIR}" && pwd)
PCOD=${BENCH_PCOD:-$B/pcod}
PCOCTL=${BENCH_PCOCTL:-$B/pcoctl}
BENCH=$B/tests/bench/pcobench
N=${WP_EVENTS:-8000}
OPTS=${WP_OPTS:--c 64 -w 1 -H 1}
for f in "$PCOD" "$PCOCTL" "$BENCH"; do
	[ -x "$f" ] || { echo "walpages.sh: $f missing" >&2; exit 1; }
done
command -v strace > /dev/null || { echo "walpages.sh: no strace" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcowal.XXXXXX")
sp=
cleanup() {
	[ -n "$sp" ] && kill -TERM "$sp" 2>/dev/null && wait "$sp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

bench_conf "$tmp"
strace -f -y -e trace=pwrite64 -o "$tmp/trace" \
    "$PCOD" -f -c "$tmp/pcod.conf" 2> "$tmp/log" &
sp=$!
bench_wait walpages.sh "$sp" "$tmp/log"
c0=$("$PCOCTL" -s "$tmp/pcod.sock" --json status | sed -n 's/.*"commits": *\([0-9]*\).*/\1/p')
b0=$(grep -- '-wal>' "$tmp/trace" | sed -n 's/.*= \([0-9]*\)$/\1/p' | awk '{s += $1} END {print s + 0}')
# shellcheck disable=SC2086
line=$("$BENCH" -p "$port" -n "$N" -d 600 -a 5A0000 $OPTS < /dev/null | tail -1)
echo "# pcobench: $line"
c1=$("$PCOCTL" -s "$tmp/pcod.sock" --json status | sed -n 's/.*"commits": *\([0-9]*\).*/\1/p')
# pcod itself, not strace (which would pass the signal on to us too)
kill -TERM "$(pgrep -P "$sp" -x pcod)"
wait "$sp" || true
sp=
b1=$(grep -- '-wal>' "$tmp/trace" | sed -n 's/.*= \([0-9]*\)$/\1/p' | awk '{s += $1} END {print s + 0}')
awk -v b="$((b1 - b0))" -v c="$((c1 - c0))" -v n="$N" 'BEGIN {
	f = b / 4120
	printf "WAL: %d bytes, %.0f frames, %d commits (%.1f events each): %.1f pages a commit, %.2f an event\n",
	    b, f, c, c ? n / c : 0, c ? f / c : 0, f / n
}'
