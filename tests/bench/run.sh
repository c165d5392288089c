#!/bin/sh
# run.sh BUILDDIR - pcod benchmark (make bench): starts pcod on loopback in a
# temporary directory, drives it with pcobench and prints one table: scenario,
# events/s, p50/p99 ACK latency, pcod's RSS and, where it ran, the rate of the
# ioBroker.sia receiver in the same run and pcod's ratio to it; medians of
# BENCH_RUNS runs.  Every event pcod ACKs is committed with fsync first; the
# peer stores nothing.  The note "cpu=R+Cus" is the CPU an event took, in
# microseconds: R the receiver's (all its threads), C pcobench's; "peer="
# the same for the peer's runs.  With both on this machine's cores, no rate
# can pass (cores x 1,000,000) / (R + C) events/s.
#
#
# Scenarios (BENCH_SCENARIOS, space-separated; default: the first nine):
#   w1-64       64 panels, each its own account, one frame in flight (+ peer)
#   w8-50       50 panels, 8 frames in flight each
#   paced-1000  1,000 panels at BENCH_PACED_RATE events/s in total
#   busy-1acct  50 connections of one account, 8 in flight each: the
#               retransmission check of one busy account (the rate must not
#               fall as that account's history in the window grows)
#   history     w8-50 on an empty database and on one holding BENCH_HISTORY
#               events (pre-filled with SQL, not through the socket)
#   idle        RSS with BENCH_IDLE idle panel connections (empty database)
#   idle-hist   the same on the history database (on demand)
#   startup     time from exec to the first ACK with the history database and
#               BENCH_DEADLINES open alarms with deadlines
#   ceiling     w1-64, w8-50 and paced-1000 against nullrx, a receiver that
#               only reads, checks and ACKs (no store, no engine): the most
#               this machine and pcobench give any receiver (rows nullrx-*);
#               then w1-64 (+ peer) and paced-1000 against nullrx keeping
#               its promise as cheaply as it can: ACKs after an fdatasync
#               of a file holding the frames (rows nullrx-file-*), or of an
#               SQLite WAL holding a row an event, no index, no checkpoint
#               (rows nullrx-sqlite-*): the most this machine's disk gives
#               any durable receiver, and any storing events in SQLite
#   nosync      w1-64 and paced-1000 against the same pcod with fsync() and
#               fdatasync() made no-ops (tests/bench/nosync.so, LD_PRELOAD):
#               what durability costs on this machine's disk (rows nosync-*;
#               such a pcod loses ACKed events at a power cut: bench only)
#   udp-w1, aes-w8, closings-w8, noengine-w8   (the older variants, on demand)
#
# Environment (defaults in brackets):
#   BENCH_RUNS [3]          runs per scenario (the table shows medians)
#   BENCH_EVENTS [60000]    events per throughput run
#   BENCH_DURATION [60]     time limit per run, s
#   BENCH_HISTORY [1000000] events pre-stored for history/startup; the target
#                           run is 10000000 (about 15 min to fill, 5 GB)
#   BENCH_HISTORY_EVENTS [200000] events per history run (empty and full
#                           take turns)
#   BENCH_HISTORY_SPAN [86400] the pre-stored events spread over this many
#                           seconds before now
#   BENCH_DEADLINES [100000] open alarms with a deadline, for startup
#   BENCH_IDLE [15000]      idle connections; BENCH_HOLD [5] s held
#   BENCH_PACED_RATE [10000] BENCH_PACED_SECS [10]
#   BENCH_W8_EVENTS [400000] events per w8-50 run (and its ceiling's):
#                           at 100k/s a run of 60,000 is over in 0.6 s, mostly
#                           connecting and warming up, not the steady rate
#   BENCH_BUSY_EVENTS [150000] events per busy-1acct run
#   BENCH_PEER [auto]       off: skip ioBroker.sia; auto: npm install
#                           iobroker.sia@2.0.4 into BENCH_CACHE when absent
#   BENCH_CACHE [$HOME/.cache/pcod-bench]
#   BENCH_PCOD [BUILDDIR/pcod]  the daemon under test
#   BENCH_BEFORE            an older pcod binary: every scenario runs with it
#                           and then with BENCH_PCOD, and a closing table gives
#                           before/after per scenario (the A/B of issue 11)
#   BENCH_THREAD_AB         1: BENCH_BEFORE is BENCH_PCOD itself with
#                           PCOD_WRITER_THREAD=0 (the batch's statements on
#                           the loop): the writer thread's A/B in one run
#   BENCH_DIR               where the temporary directory goes [$TMPDIR|/tmp]
#   BENCH_STORE [sqlite]    pg: every pcod on a database of its own in a
#                           throw-away PostgreSQL cluster (tests/pg/cluster.sh,
#                           fsync on, synchronous_commit on); the throughput
#                           scenarios only (history, startup, idle build
#                           SQLite files).  BENCH_STORE="sqlite pg" runs each
#                           scenario on both, "@pg" rows beside the others.
# Example: make bench BENCH_RUNS=1 BENCH_SCENARIOS="w1-64 history"
set -eu

B=${1:?usage: run.sh BUILDDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
PCOD=${BENCH_PCOD:-$B/pcod}
PCOCTL=$B/pcoctl
BENCH=$B/tests/bench/pcobench
NULLRX=$B/tests/bench/nullrx
NOSYNC=$B/tests/bench/nosync.so
RUNS=${BENCH_RUNS:-3}
N=${BENCH_EVENTS:-60000}
HIST_N=${BENCH_HISTORY_EVENTS:-200000}
DUR=${BENCH_DURATION:-60}
HIST=${BENCH_HISTORY:-1000000}
SPAN=${BENCH_HISTORY_SPAN:-86400}
DEADLINES=${BENCH_DEADLINES:-100000}
IDLE=${BENCH_IDLE:-15000}
HOLD=${BENCH_HOLD:-5}
PRATE=${BENCH_PACED_RATE:-10000}
PSECS=${BENCH_PACED_SECS:-10}
PEER=${BENCH_PEER:-auto}
BUSY=${BENCH_BUSY_EVENTS:-150000}
W8=${BENCH_W8_EVENTS:-400000}
CACHE=${BENCH_CACHE:-${HOME:-/tmp}/.cache/pcod-bench}
SCEN=${BENCH_SCENARIOS:-w1-64 w8-50 paced-1000 busy-1acct history idle startup ceiling nosync}
PRELOAD=
STORES=${BENCH_STORE:-sqlite}
store=sqlite
pguri=
KEY=00112233445566778899AABBCCDDEEFF
tag=

for f in "$PCOD" "$PCOCTL" "$BENCH" "$NULLRX"; do
	[ -x "$f" ] || { echo "run.sh: $f missing (make pcod pcoctl tests/bench/pcobench tests/bench/nullrx)" >&2; exit 1; }
done
case " $SCEN " in *" nosync "*)
	[ -f "$NOSYNC" ] || { echo "run.sh: $NOSYNC missing (make tests/bench/nosync.so)" >&2; exit 1; };;
esac
command -v sqlite3 > /dev/null || SQLITE=no

# Room for the idle scenario's descriptors (pcobench and pcod raise their own too).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

tmp=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pcobench.XXXXXX")
if [ "${BENCH_THREAD_AB:-}" = 1 ]; then
	BENCH_BEFORE=$tmp/pcod-loop-writes
	printf '#!/bin/sh\nPCOD_WRITER_THREAD=0 exec "%s" "$@"\n' "$PCOD" \
	    > "$BENCH_BEFORE"
	chmod +x "$BENCH_BEFORE"
fi
peerpid=
cleanup() {
	for d in "$tmp"/i.*; do
		[ -f "$d/pid" ] || continue
		p=$(cat "$d/pid")
		kill -TERM "$p" 2>/dev/null || true
	done
	[ -n "$peerpid" ] && kill -TERM "$peerpid" 2>/dev/null || true
	wait 2>/dev/null || true
	[ -z "$pguri" ] || sh "$HERE/../pg/cluster.sh" stop "$tmp/pg" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

now_ms() { date +%s%3N; }
# Below Linux's ephemeral range (32768-60999): a port a client socket of an
# earlier run still holds in TIME_WAIT cannot be listened on (the idle
# scenario leaves 15,000 of them), and five such picks in a row failed a run.
randport() { echo $(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000 )); }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
# field NAME LINE: the value of NAME=... in a pcobench result line, units cut.
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=\([0-9.]*\).*/\1/p"; }
# CPU an event: the receiver's (pcod, the peer, nullrx: every thread, from
# /proc) and pcobench's own (cpu_us= in its line), in microseconds.  On two
# cores shared by both, 2,000,000 / (receiver + client) events/s is the
# most any rate can be, however the work is spread over threads.
HZ=$(getconf CLK_TCK 2> /dev/null || echo 100)
# ticks PID: user + system clock ticks the process has used so far.
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2> /dev/null || echo 0; }
# per_event T0 T1 LINE: the ticks between two readings, in us an event of LINE.
per_event() {
	awk -v a="$1" -v b="$2" -v n="$(field events "$3")" -v hz="$HZ" \
	    'BEGIN { if (n > 0 && b >= a) printf "%.1f", (b - a) * 1e6 / hz / n; else print "-" }'
}

# --- pcod instances: a directory each (i.NAME) with conf, db, log, pid, port ---

# write_conf DIR PORT EXTRA: the configuration of an instance.
write_conf() {
	if [ "$store" = pg ]; then
		db="${pguri%/*}/b_$(basename "$1" | tr -c 'a-z0-9\n' _)"
	else
		db=pcod.db
	fi
	cat > "$1/pcod.conf" <<EOF
database "$db"
control "pcod.sock" mode 0600
listen tcp 127.0.0.1:$2 idle-timeout 600 max-frame 1024 max-connections ${MAXCONN:-4000} max-per-address ${MAXCONN:-4000}
listen udp 127.0.0.1:$2
unknown-accounts accept
log-level warn
$3
EOF
}

# pg_fresh NAME: instance NAME's PostgreSQL database, empty.
pg_fresh() {
	n=b_$(basename "i.$1" | tr -c 'a-z0-9\n' _)
	psql -q -X "$pguri" -c "DROP DATABASE IF EXISTS $n" \
	    -c "CREATE DATABASE $n" > /dev/null
}

# start NAME [EXTRA-CONF]: start (or restart on its database) instance NAME.
start() {
	d=$tmp/i.$1
	mkdir -p "$d"
	if [ "$store" = pg ] && [ ! -f "$d/pg.made" ]; then
		pg_fresh "$1"
		: > "$d/pg.made"
	fi
	for _ in 1 2 3 4 5; do
		port=$(randport)
		write_conf "$d" "$port" "${2:-}"
		# PRELOAD: the nosync scenario's shim, else nothing
		LD_PRELOAD=${PRELOAD:-${LD_PRELOAD:-}} "$PCOD" -f -c "$d/pcod.conf" \
		    2>> "$d/pcod.log" &
		echo $! > "$d/pid"
		echo "$port" > "$d/port"
		if wait_answer "$1" 10000 > /dev/null; then
			return 0
		fi
		stop "$1" || true
	done
	echo "run.sh: pcod does not start:" >&2
	cat "$d/pcod.log" >&2
	exit 1
}

pidof_i() { cat "$tmp/i.$1/pid"; }
portof() { cat "$tmp/i.$1/port"; }
ctl() { i=$1; shift; "$PCOCTL" -s "$tmp/i.$i/pcod.sock" "$@"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$(pidof_i "$1")/status"; }
alive() { kill -0 "$(pidof_i "$1")" 2>/dev/null || { echo "run.sh: pcod $1 died" >&2; cat "$tmp/i.$1/pcod.log" >&2; exit 1; }; }

# wait_answer NAME LIMIT-MS: poll until a frame is ACKed; prints the ms waited.
wait_answer() {
	wt0=$(now_ms)
	while :; do
		kill -0 "$(pidof_i "$1")" 2>/dev/null || return 1
		if "$BENCH" -p "$(portof "$1")" -c 1 -n 1 -d 2 -a FFFF00 \
		    < /dev/null > /dev/null 2>&1; then
			echo $(( $(now_ms) - wt0 ))
			return 0
		fi
		[ $(( $(now_ms) - wt0 )) -lt "$2" ] || return 1
		sleep 0.01
	done
}

stop() {
	p=$(pidof_i "$1")
	kill -TERM "$p" 2>/dev/null || return 0
	wait "$p" || { echo "run.sh: pcod $1 exited $? after SIGTERM" >&2; return 1; }
	rm -f "$tmp/i.$1/pid"
}

# --- the peer: ioBroker.sia (npm), stores nothing, ACKs on receipt ---

peer_lib=
peer_setup() {
	[ "$PEER" != off ] || { echo "# peer: off (BENCH_PEER=off)"; return; }
	command -v node > /dev/null || { echo "# peer: skipped, no node"; return; }
	lib=$CACHE/node_modules/iobroker.sia/build/lib/sia.js
	if [ ! -f "$lib" ]; then
		command -v npm > /dev/null || { echo "# peer: skipped, no npm"; return; }
		mkdir -p "$CACHE"
		if ! timeout 300 npm install --no-audit --no-fund --prefix "$CACHE" \
		    iobroker.sia@2.0.4 > "$tmp/npm.log" 2>&1; then
			echo "# peer: skipped, npm install iobroker.sia@2.0.4 failed (registry?):"
			tail -3 "$tmp/npm.log" | sed 's/^/#   /'
			return
		fi
	fi
	peer_lib=$lib
	echo "# peer: ioBroker.sia $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' \
	    "$CACHE/node_modules/iobroker.sia/package.json" | head -1), node $(node --version)"
}

# yard_run WHAT PREFIX OPTS START: one pcobench run against a fresh
# receiver that the function START PORT runs (exec: its pid is the
# receiver's) and that prints "ready" once listening.
yard_run() {
	for _ in 1 2 3 4 5; do
		yport=$(randport)
		: > "$tmp/yard.out"
		$4 "$yport" > "$tmp/yard.out" 2> "$tmp/yard.err" &
		peerpid=$!
		# ready, or gone (the port was taken: try another)
		until grep -q ready "$tmp/yard.out" 2>/dev/null; do
			kill -0 "$peerpid" 2>/dev/null || break
			sleep 0.02
		done
		grep -q ready "$tmp/yard.out" && break
		wait "$peerpid" 2>/dev/null || true
		peerpid=
	done
	[ -n "$peerpid" ] || { echo "run.sh: $1 does not start" >&2; tail -5 "$tmp/yard.err" >&2; return 0; }
	yt0=$(ticks "$peerpid")
	# shellcheck disable=SC2086
	yline=$("$BENCH" -p "$yport" -n "$N" -d "$DUR" -a "$2" $3 < /dev/null) || true
	echo "$yline rx_cpu_us=$(per_event "$yt0" "$(ticks "$peerpid")" "$yline")"
	kill -TERM "$peerpid" 2>/dev/null || true
	# nullrx exits 1 when a frame it answered has no row (sqlite: mode)
	wait "$peerpid" 2>/dev/null || [ "$1" != nullrx ] ||
	    echo "run.sh: nullrx failed: $(tail -1 "$tmp/yard.err")" >&2
	peerpid=
}

# peer_start PORT: ioBroker.sia for accounts peer_acct (peer_width digits, peer_count of them).
peer_start() { exec node "$HERE/siapeer.js" "$peer_lib" "$1" "$peer_acct" "$peer_width" "$peer_count"; }

# peer_run PREFIX WIDTH COUNT OPTS: one pcobench run against a fresh peer.
peer_run() {
	peer_acct=$1 peer_width=$2 peer_count=$3
	yard_run "the peer" "$1" "$4" peer_start
}

# peer_beside NAME RUN PREFIX OPTS: the peer's run after a receiver's, on
# the same accounts and load (when the peer is set up); adds to prates, prx
# and pcl.
peer_beside() {
	[ -n "$peer_lib" ] || return 0
	c=$(printf '%s\n' "$4" | sed -n 's/.*-c \([0-9]*\).*/\1/p')
	pline=$(peer_run "$3" "${#3}" "$c" "$4")
	echo "$1 run $2 peer: $pline"
	prates="$prates $(field rate "$pline")"
	prx="$prx $(field rx_cpu_us "$pline")"
	pcl="$pcl $(field cpu_us "$pline")"
}

# cpu_note: "cpu=R+Cus[,peer=R+Cus]" of the medians in rx, cl (prx, pcl).
cpu_note() {
	printf 'cpu=%s+%sus' "$(echo "$rx" | median)" "$(echo "$cl" | median)"
	[ -z "$prx" ] || printf ',peer=%s+%sus' "$(echo "$prx" | median)" \
	    "$(echo "$pcl" | median)"
}

# --- the ceiling: nullrx (tests/bench/nullrx.c) reads, checks and ACKs ---

# null_start PORT: nullrx on 127.0.0.1:PORT (with nullarg: its journal).
null_start() { exec "$NULLRX" "$1" $nullarg; }

# null_run PREFIX OPTS: one pcobench run against a fresh nullrx.
null_run() { yard_run nullrx "$1" "$2" null_start; }

# ceiling NAME OPTS [MODE [peer]]: RUNS runs against nullrx; a row
# nullrx[-MODE]-NAME of medians.  MODE file: ACKs after its journal file's
# fdatasync; sqlite: after the fdatasync of an SQLite WAL holding a row an
# event.  With peer, the peer runs after each, as for pcod's rows.
ceiling() {
	s=$((s + 1))
	rates='' p50s='' p99s='' rx='' cl='' prates='' prx='' pcl=''
	case ${3:-} in
	file)	nullarg=$tmp/nullrx.journal nm=nullrx-file-$1 what="durable:fdatasync-of-a-file";;
	sqlite)	nullarg=sqlite:$tmp/nullrx.db nm=nullrx-sqlite-$1 what="durable:a-row-an-event-in-SQLite-WAL";;
	*)	nullarg='' nm=nullrx-$1 what="ceiling:no-store,no-engine";;
	esac
	r=1
	while [ $r -le "$RUNS" ]; do
		prefix=$(printf '%X' $(( (s * 16 + r) * 4096 )))
		line=$(null_run "$prefix" "$2")
		echo "$nm run $r: $line"
		rates="$rates $(field rate "$line")"
		p50s="$p50s $(field p50 "$line")"
		p99s="$p99s $(field p99 "$line")"
		rx="$rx $(field rx_cpu_us "$line")"
		cl="$cl $(field cpu_us "$line")"
		[ -z "${4:-}" ] || peer_beside "$nm" "$r" "$prefix" "$2"
		r=$((r + 1))
	done
	rm -f "$tmp"/nullrx.journal "$tmp"/nullrx.db*
	nullarg=
	row "$nm" "$(echo "$rates" | median)" "$(echo "$p50s" | median)" \
	    "$(echo "$p99s" | median)" - "$(echo "$prates" | median)" \
	    "$what;$(cpu_note)"
}

# --- scenarios ---

summary=$tmp/summary
: > "$summary"
s=0

# row NAME RATE P50 P99 RSS-KB PEER NOTE
row() { echo "$1$tag $2 $3 $4 $5 $6 ${7:-}" >> "$summary"; }

# throughput NAME INSTANCE OPTS [PEER]: RUNS runs; a row of medians.
throughput() {
	s=$((s + 1))
	rates='' p50s='' p99s='' prates='' rx='' cl='' prx='' pcl=''
	r=1
	while [ $r -le "$RUNS" ]; do
		# distinct accounts per run so no frame looks like a retransmission
		prefix=$(printf '%X' $(( (s * 16 + r) * 4096 )))
		case $3 in *-k*)
			i=0
			while [ $i -lt 50 ]; do
				ctl "$2" account add "$(printf '%X' $(( (s * 16 + r) * 4096 + i )))" \
				    --key "$KEY" < /dev/null > /dev/null
				i=$((i + 1))
			done;;
		esac
		t0=$(ticks "$(pidof_i "$2")")
		# shellcheck disable=SC2086
		line=$("$BENCH" -p "$(portof "$2")" -n "$N" -d "$DUR" -a "$prefix" $3 < /dev/null) || true
		alive "$2"
		line="$line rx_cpu_us=$(per_event "$t0" "$(ticks "$(pidof_i "$2")")" "$line")"
		echo "$1 run $r: $line rss=$(rss_kb "$2")kB"
		rates="$rates $(field rate "$line")"
		p50s="$p50s $(field p50 "$line")"
		p99s="$p99s $(field p99 "$line")"
		rx="$rx $(field rx_cpu_us "$line")"
		cl="$cl $(field cpu_us "$line")"
		[ -z "${4:-}" ] || peer_beside "$1" "$r" "$prefix" "$3"
		r=$((r + 1))
	done
	cpu=$(cpu_note)
	case $1 in nosync-*) cpu="no-sync(bench-only);$cpu";; esac
	row "$1" "$(echo "$rates" | median)" "$(echo "$p50s" | median)" \
	    "$(echo "$p99s" | median)" "$(rss_kb "$2")" "$(echo "$prates" | median)" "$cpu"
}

# The history's frames and events: N frames of one event each, the newest
# at $end, spread over SPAN seconds; two rows each (schema < 17) or, from
# schema 17 on, one (sql/017_inline_frames.sql).
prefill_frames() {
	cat <<EOF
CREATE TEMP TABLE base AS SELECT COALESCE(MAX(id), 0) AS f,
    (SELECT COALESCE(MAX(id), 0) FROM events) AS e FROM frames;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
INSERT INTO frames (id, received_ms, transport, peer, account, token, encrypted,
    seq, rcvr, line, raw, data, panel_time, unknown_account, digest)
SELECT (SELECT f FROM base) + i, $end - ($1 - i) * ($SPAN * 1000 / $1), 'tcp', '127.0.0.1:40000',
    printf('%X', 10485760 + i % 5000), 'SIA-DCS', 0, i % 9999 + 1, '', '1',
    CAST(printf('"SIA-DCS"%04dL1#%X[#%X|Nri1/BA%02d]', i % 9999 + 1,
        10485760 + i % 5000, 10485760 + i % 5000, i % 99 + 1) AS BLOB),
    printf('#%X|Nri1/BA%02d', 10485760 + i % 5000, i % 99 + 1),
    ($end - ($1 - i) * ($SPAN * 1000 / $1)) / 1000, 1, printf('%016x', i * 2654435761)
FROM n;
INSERT INTO events (id, frame_id, account, received_ms, panel_time, format, code,
    qual, class, text, zone, known, unknown_account)
SELECT id - (SELECT f FROM base) + (SELECT e FROM base), id, account, received_ms,
    panel_time, 'SIA', 'BA', 'new', 'burglary', 'Burglary alarm, zone ' || (id % 99 + 1),
    id % 99 + 1, 1, 1 FROM frames WHERE id > (SELECT f FROM base);
EOF
}

prefill_inline() {
	cat <<EOF
CREATE TEMP TABLE base AS SELECT COALESCE(MAX(id), 0) AS e FROM events;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
INSERT INTO events (id, account, received_ms, panel_time, format, code, qual,
    class, text, zone, known, unknown_account, transport, peer, token,
    encrypted, seq, rcvr, line, raw, data, digest)
SELECT (SELECT e FROM base) + i, printf('%X', 10485760 + i % 5000),
    $end - ($1 - i) * ($SPAN * 1000 / $1),
    ($end - ($1 - i) * ($SPAN * 1000 / $1)) / 1000, 'SIA', 'BA', 'new',
    'burglary', 'Burglary alarm, zone ' || (i % 99 + 1), i % 99 + 1, 1, 1,
    'tcp', '127.0.0.1:40000', 'SIA-DCS', 0, i % 9999 + 1, '', '1',
    CAST(printf('"SIA-DCS"%04dL1#%X[#%X|Nri1/BA%02d]', i % 9999 + 1,
        10485760 + i % 5000, 10485760 + i % 5000, i % 99 + 1) AS BLOB),
    printf('#%X|Nri1/BA%02d', 10485760 + i % 5000, i % 99 + 1),
    printf('%016x', i * 2654435761)
FROM n;
EOF
}

# prefill DB EVENTS DEADLINES: add history to a migrated, stopped database,
# in the shape its pcod writes.
prefill() {
	pt0=$(now_ms)
	end=$(now_ms)
	if [ "$(sqlite3 "$1" "SELECT count(*) FROM pragma_table_info('events')
	    WHERE name = 'raw'")" = 1 ]; then
		rows=$(prefill_inline "$2")
	else
		rows=$(prefill_frames "$2")
	fi
	sqlite3 "$1" > /dev/null <<EOF
PRAGMA synchronous=OFF;
PRAGMA cache_size=-400000;
BEGIN;
$rows
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $3)
INSERT INTO alarms (account, zone, class, kind, priority, state, count, text,
    first_ms, last_ms, created_ms, take_deadline_ms, next_deadline_ms)
SELECT printf('%X', 10485760 + i % 5000), i, 'burglary', 'event', 2, 'new', 1,
    'Burglary alarm', $end - 1000, $end - 1000, $end - 1000,
    $end + 3600000 + i, $end + 3600000 + i FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
EOF
	echo "# pre-filled $2 events and $3 open alarms in $(( ($(now_ms) - pt0) / 1000 )) s, $(du -m "$1" | cut -f1) MB"
}

# The history databases are made by each pcod binary (BENCH_BEFORE's too)
# for itself: its own schema and, from schema 16 on, its event keys
# (pcod.db-keys) written before the runs, as a centre that has been running
# has them.  hist_id names this binary's pair.
hist_id() { printf '%s' "$PCOD" | cksum | cut -d' ' -f1; }

# A migrated empty database, then its copy with history and its keys.
make_history() {
	h=$(hist_id)
	[ ! -f "$tmp/hist.$h.db" ] || return 0
	[ "${SQLITE:-}" != no ] || { echo "# history: skipped, no sqlite3"; return 1; }
	rm -rf "$tmp/i.tmpl"
	start tmpl
	stop tmpl
	cp "$tmp/i.tmpl/pcod.db" "$tmp/empty.$h.db"
	cp "$tmp/i.tmpl/pcod.db" "$tmp/hist.$h.db"
	rm -rf "$tmp/i.tmpl"
	prefill "$tmp/hist.$h.db" "$HIST" "$DEADLINES"
	keys_build "$tmp/hist.$h.db"
}

# keys_build DB: let pcod write DB's event keys, if it keeps them (status
# event_keys); DB-keys beside it afterwards.
keys_build() {
	mkdir -p "$tmp/i.kb"
	mv "$1" "$tmp/i.kb/pcod.db"
	kt0=$(now_ms)
	# no panel frame meanwhile: the keys of the history alone
	write_conf "$tmp/i.kb" "$(randport)" ""
	"$PCOD" -f -c "$tmp/i.kb/pcod.conf" 2>> "$tmp/i.kb/pcod.log" &
	echo $! > "$tmp/i.kb/pid"
	want=$(sqlite3 "$tmp/i.kb/pcod.db" "SELECT max(id) FROM events")
	until [ -S "$tmp/i.kb/pcod.sock" ]; do
		alive kb
		sleep 0.1
	done
	while :; do
		upto=$(ctl kb --json status < /dev/null | tr -d ' \n' |
		    sed -n 's/.*"event_keys":{[^}]*"upto":\([0-9]*\).*/\1/p')
		[ -n "$upto" ] || break		# a pcod without a keys database
		[ "$upto" -lt "$want" ] || break
		[ $(( $(now_ms) - kt0 )) -lt 300000 ] || {
			echo "run.sh: event keys not written in 300 s" >&2
			exit 1
		}
		sleep 0.2
	done
	stop kb
	mv "$tmp/i.kb/pcod.db" "$1"
	if [ -f "$tmp/i.kb/pcod.db-keys" ]; then
		mv "$tmp/i.kb/pcod.db-keys" "$1-keys"
		echo "# history: event keys written in $(( ($(now_ms) - kt0) / 1000 )) s (start included)"
	fi
	rm -rf "$tmp/i.kb"
}

# hist_to DIR: this pcod's history database, and its keys, into DIR.
# Then sync: with 10M events the copy leaves 2.5 GB of dirty pages, whose
# writeback would otherwise share the disk with the first run's syncs
# (history-10000k run 1 at 27k/s against 53-58k/s for runs 2 and 3).
hist_to() {
	cp "$tmp/hist.$(hist_id).db" "$1/pcod.db"
	[ ! -f "$tmp/hist.$(hist_id).db-keys" ] ||
	    cp "$tmp/hist.$(hist_id).db-keys" "$1/pcod.db-keys"
	sync
}

# The empty and the full database's runs take turns (both pcods stay up,
# the one not driven idles), and each is BENCH_HISTORY_EVENTS long: the
# target is 10 %, and runs of a second each in a row moved 15 %.
sc_history() {
	make_history || return 0
	mkdir -p "$tmp/i.hempty" "$tmp/i.hfull"
	cp "$tmp/empty.$(hist_id).db" "$tmp/i.hempty/pcod.db"
	hist_to "$tmp/i.hfull"
	start hempty
	start hfull
	s=$((s + 1))
	hname="history-$(( HIST / 1000 ))k"
	re='' rf='' e50='' f50='' e99='' f99=''
	r=1
	while [ $r -le "$RUNS" ]; do
		# a run's accounts are new to both databases
		prefix=$(printf '%X' $(( (s * 16 + r) * 4096 )))
		for inst in hempty hfull; do
			line=$("$BENCH" -p "$(portof $inst)" -n "$HIST_N" -d "$DUR" \
			    -a "$prefix" -c 50 -w 8 < /dev/null) || true
			alive $inst
			if [ $inst = hempty ]; then
				echo "history-empty run $r: $line rss=$(rss_kb $inst)kB"
				re="$re $(field rate "$line")" e50="$e50 $(field p50 "$line")"
				e99="$e99 $(field p99 "$line")"
			else
				echo "$hname run $r: $line rss=$(rss_kb $inst)kB"
				rf="$rf $(field rate "$line")" f50="$f50 $(field p50 "$line")"
				f99="$f99 $(field p99 "$line")"
			fi
		done
		r=$((r + 1))
	done
	row "history-empty" "$(echo "$re" | median)" "$(echo "$e50" | median)" \
	    "$(echo "$e99" | median)" "$(rss_kb hempty)" -
	row "$hname" "$(echo "$rf" | median)" "$(echo "$f50" | median)" \
	    "$(echo "$f99" | median)" "$(rss_kb hfull)" -
	echo "# $hname: $(echo "$rf" | median) events/s against $(echo "$re" | median) on the empty database (target: within 10 %)"
	stop hempty
	stop hfull
	rm -rf "$tmp/i.hempty" "$tmp/i.hfull"
}

sc_startup() {
	make_history || return 0
	mkdir -p "$tmp/i.st"
	hist_to "$tmp/i.st"
	times=''
	r=1
	while [ $r -le "$RUNS" ]; do
		for _ in 1 2 3 4 5; do		# another port when this one is taken
			port=$(randport)
			write_conf "$tmp/i.st" "$port" ""
			echo "$port" > "$tmp/i.st/port"
			: > "$tmp/i.st/pcod.log"
			"$PCOD" -f -c "$tmp/i.st/pcod.conf" 2>> "$tmp/i.st/pcod.log" &
			echo $! > "$tmp/i.st/pid"
			if ms=$(wait_answer st 60000); then
				break
			fi
			grep -q "in use" "$tmp/i.st/pcod.log" || { echo "run.sh: no answer at start-up" >&2; cat "$tmp/i.st/pcod.log" >&2; exit 1; }
			wait "$(pidof_i st)" 2>/dev/null || true
		done
		echo "startup run $r: ${ms} ms to the first ACK, rss=$(rss_kb st)kB"
		times="$times $ms"
		rss=$(rss_kb st)
		stop st
		r=$((r + 1))
	done
	t=$(echo "$times" | median)
	row "startup-$(( HIST / 1000 ))k" - - - "$rss" - "start=${t}ms"
	rm -rf "$tmp/i.st"
}

# idle [hist]: IDLE panels connect, each its own account, send one frame
# each and stay; pcod's highest RSS while they are held.  Every run starts
# pcod afresh on an empty database (with hist: on a copy of the history
# database, whose start-up read-back and page cache then count too), so that
# neither the accounts and keys of an earlier run nor its page cache count as
# the connections' cost.
sc_idle() {
	name=idle-$IDLE
	if [ "${1:-}" = hist ]; then
		make_history || return 0
		name=idle-$IDLE-hist
	fi
	rsss='' bases=''
	r=1
	while [ $r -le "$RUNS" ]; do
		mkdir -p "$tmp/i.idle"
		[ "${1:-}" != hist ] || hist_to "$tmp/i.idle"
		MAXCONN=$((IDLE + 100)) start idle
		base=$(rss_kb idle)
		prefix=$(printf '%X' $(( (90 + r) * 65536 )))
		"$BENCH" -p "$(portof idle)" -c "$IDLE" -n "$IDLE" -w 1 -d "$DUR" \
		    -a "$prefix" -H "$HOLD" < /dev/null > "$tmp/idle.out" &
		bp=$!
		until grep -q holding "$tmp/idle.out" 2>/dev/null; do
			kill -0 $bp 2>/dev/null || break
			sleep 0.1
		done
		# the highest reading while held (pcod's work after the ACKs and
		# the kernel's lazy accounting make a single reading vary)
		rss=0
		while kill -0 $bp 2>/dev/null; do
			v=$(rss_kb idle)
			[ "$v" -le "$rss" ] || rss=$v
			sleep 0.5
		done
		wait $bp || true
		echo "idle run $r: $(tr '\n' ' ' < "$tmp/idle.out") rss=${rss}kB (before ${base}kB)"
		rsss="$rsss $rss" bases="$bases $base"
		stop idle
		rm -rf "$tmp/i.idle"
		r=$((r + 1))
	done
	med=$(echo "$rsss" | median)
	base=$(echo "$bases" | median)
	# the target of issue 11: 15,000 idle panel connections in <= 64 MiB
	verdict=met
	[ "$med" -le $((64 * 1024 * IDLE / 15000)) ] || verdict=NOT-met
	echo "# $name: $((med / 1024)) MiB resident, $(( (med - base) * 1024 / IDLE )) bytes a connection (and its account) over the $((base / 1024)) MiB before; target <= $((64 * IDLE / 15000)) MiB: $verdict"
	row "$name" - - - "$med" - "before=$((base / 1024))MiB,$(( (med - base) * 1024 / IDLE ))B/conn,target:$verdict"
}

run_scenario() {
	case $1 in
	history|startup|idle|idle-hist)
			if [ "$store" = pg ]; then
				echo "# $1: SQLite only (skipped on PostgreSQL)"
				return
			fi;;
	esac
	case $1 in
	w1-64)		start a; throughput w1-64 a "-c 64 -w 1" peer; stop a;;
	w8-50)		start a; N=$W8 throughput w8-50 a "-c 50 -w 8"; stop a;;
	paced-1000)	start a
			throughput paced-1000 a "-c 1000 -w 1 -r $PRATE -n $((PRATE * PSECS))"
			stop a;;
	busy-1acct)	start a
			N=$BUSY throughput busy-1acct a "-c 50 -w 8 -A"
			stop a;;
	history)	sc_history;;
	startup)	sc_startup;;
	ceiling)	[ "$store" = sqlite ] && [ "$PCOD" = "$AFTER" ] || return 0
			ceiling w1-64 "-c 64 -w 1"
			N=$W8 ceiling w8-50 "-c 50 -w 8"
			ceiling paced-1000 "-c 1000 -w 1 -r $PRATE -n $((PRATE * PSECS))"
			ceiling w1-64 "-c 64 -w 1" file peer
			ceiling paced-1000 "-c 1000 -w 1 -r $PRATE -n $((PRATE * PSECS))" file
			ceiling w1-64 "-c 64 -w 1" sqlite peer
			ceiling paced-1000 "-c 1000 -w 1 -r $PRATE -n $((PRATE * PSECS))" sqlite
			return 0;;
	nosync)		[ "$store" = sqlite ] && [ "$PCOD" = "$AFTER" ] || return 0
			# set and cleared here: no other scenario may run without syncs
			PRELOAD=$NOSYNC
			start a
			throughput nosync-w1-64 a "-c 64 -w 1" peer
			stop a
			rm -f "$tmp"/i.a/pcod.db*
			start a
			throughput nosync-paced-1000 a "-c 1000 -w 1 -r $PRATE -n $((PRATE * PSECS))"
			stop a
			PRELOAD=;;
	idle)		sc_idle;;
	idle-hist)	sc_idle hist;;
	udp-w1)		start a; throughput udp-w1 a "-u -c 50 -w 1"; stop a;;
	aes-w8)		start a; throughput aes-w8 a "-c 50 -w 8 -k $KEY"; stop a;;
	closings-w8)	start a; throughput closings-w8 a "-c 50 -w 8 -e CL"; stop a;;
	noengine-w8)	start a "alarm-classes none"; throughput noengine-w8 a "-c 50 -w 8"; stop a;;
	*)		echo "run.sh: unknown scenario $1" >&2; exit 2;;
	esac
	rm -f "$tmp"/i.a/pcod.db*
	rm -f "$tmp"/i.a/pg.made	# the next start on PostgreSQL: a fresh database
}

echo "# pcod $PCOD, pcobench $BENCH, $(nproc) CPU(s), $(stat -f -c %T "$tmp") at $tmp"
echo "# $RUNS run(s) per scenario, $N events per throughput run, limit ${DUR}s; history $HIST events"
case " $SCEN " in *" w1-64 "*|*" nosync "*|*" ceiling "*) peer_setup;; esac
start_ms=$(now_ms)
case " $STORES " in
*" pg "*)
	pguri=$(sh "$HERE/../pg/cluster.sh" start "$tmp/pg") || {
		echo "run.sh: BENCH_STORE=pg needs PostgreSQL's binaries" >&2
		exit 1
	}
	echo "# PostgreSQL: $pguri";;
esac
AFTER=$PCOD
for sc in $SCEN; do
	for store in $STORES; do
		st=; [ "$store" = sqlite ] || st=@$store
		if [ -n "${BENCH_BEFORE:-}" ]; then
			PCOD=$BENCH_BEFORE tag=$st@before
			echo "# $sc with $PCOD ($store)"
			run_scenario "$sc"
		fi
		PCOD=$AFTER tag=$st
		run_scenario "$sc"
	done
done

echo
echo "# summary: medians of $RUNS run(s), $(( ($(now_ms) - start_ms) / 1000 )) s; ratio = pcod / ioBroker.sia (stores nothing)"
echo "# cpu=R+Cus: CPU an event, receiver (all threads) + pcobench, microseconds; $(nproc) cores"
awk 'function v(x, f) { return x == "-" || x == "" ? "-" : sprintf(f, x) }
     BEGIN { printf "%-24s %10s %9s %9s %9s %11s %6s  %s\n", "scenario", "events/s",
         "p50 ms", "p99 ms", "RSS MiB", "peer ev/s", "ratio", "note" }
     { ratio = ($6 != "-" && $6 > 0) ? sprintf("%.2f", $2 / $6) : "-"
       printf "%-24s %10s %9s %9s %9s %11s %6s  %s\n", $1, v($2, "%.0f"), v($3, "%.3f"),
           v($4, "%.3f"), ($5 == "-" ? "-" : sprintf("%.1f", $5 / 1024)),
           v($6, "%.0f"), ratio, $7 }' "$summary"

[ -n "${BENCH_BEFORE:-}" ] || exit 0
echo
echo "# before ($BENCH_BEFORE) -> after ($AFTER), medians"
awk 'function num(x) { return x == "-" || x == "" ? -1 : x + 0 }
     function rat(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f", b / a) : "-" }
     { name = $1; before = sub(/@before$/, "", name)
       k = before ? "b" : "a"; rate[name, k] = num($2); p99[name, k] = num($4)
       rss[name, k] = num($5); note[name, k] = $7; if (!before) order[++n] = name }
     function was(a, s, f) { return ((s, "b") in a && a[s, "b"] >= 0) ? sprintf(f, a[s, "b"]) : "-" }
     END { printf "%-24s %10s %10s %6s %9s %9s %8s %8s  %s\n", "scenario", "ev/s was",
               "ev/s now", "x", "p99 was", "p99 now", "RSS was", "RSS now", "note was -> now"
           for (i = 1; i <= n; i++) { s = order[i]
               printf "%-24s %10s %10s %6s %9s %9s %8s %8s  %s -> %s\n", s,
                   was(rate, s, "%.0f"),
                   rate[s, "a"] < 0 ? "-" : sprintf("%.0f", rate[s, "a"]),
                   rat(rate[s, "b"], rate[s, "a"]),
                   was(p99, s, "%.1f"),
                   p99[s, "a"] < 0 ? "-" : sprintf("%.1f", p99[s, "a"]),
                   ((s, "b") in rss && rss[s, "b"] >= 0) ? sprintf("%.1f", rss[s, "b"] / 1024) : "-",
                   rss[s, "a"] < 0 ? "-" : sprintf("%.1f", rss[s, "a"] / 1024),
                   note[s, "b"], note[s, "a"] } }' "$summary"
