#!/bin/sh
# replica.sh - a synchronous streaming standby of a test cluster, for the
# failover test (issue 14): the loss of the primary database machine.
#
#   replica.sh start DIR DIR2  DIR is a running primary made by
#                              `cluster.sh start DIR`.  Allow replication
#                              connections of pcod from 127.0.0.1 (trust),
#                              copy it with pg_basebackup -R -X stream into
#                              DIR2 (created if missing; it should be
#                              empty), start the copy as a hot standby on a
#                              free port of 127.0.0.1 with
#                              application_name=replica1 in its
#                              primary_conninfo, make it the synchronous
#                              standby (ALTER SYSTEM SET
#                              synchronous_standby_names = 'replica1' on the
#                              primary, reload) and wait until the
#                              primary's pg_stat_replication shows it
#                              streaming with sync_state sync.  Print its
#                              port on stdout, one line.
#   replica.sh promote DIR2    promote the standby (pg_ctl promote, waited
#                              for) and wait until it takes writes.
#   replica.sh crash DIR       stop a cluster of cluster.sh or of this
#                              script at once (pg_ctl stop -m immediate: no
#                              checkpoint, sessions cut, WAL not yet sent
#                              to a standby lost: the closest to losing the
#                              machine on loopback).  What start created
#                              outside DIR stays for stop.
#   replica.sh stop DIR2       stop the standby (fast) and remove what
#                              start created outside DIR2.  DIR2 itself is
#                              the caller's.
#
# Exit 0; 77 when no PostgreSQL binaries are installed (the automake "skip"
# code); 1 on error (messages and the server's log on stderr).  As in
# cluster.sh the server runs as "nobody" when run as root, in DIR2/data or,
# when nobody cannot reach DIR2, in a folder under ${TMPDIR:-/tmp} that
# DIR2/data links to.
#
# synchronous_standby_names is set on the primary only after the copy is
# made: pg_basebackup copies postgresql.auto.conf, and a promoted standby
# that still named replica1 would wait for a standby of its own at every
# COMMIT, for ever.
set -eu

usage() {
	echo "usage: replica.sh start DIR DIR2 | promote DIR2 | crash DIR |" \
	    "stop DIR2" >&2
	exit 2
}

[ $# -ge 2 ] || usage
cmd=$1

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
pg_bindir pg_ctl pg_basebackup psql



# One value from the server on port $1: psql -At -c "$2".
query() {
	"$bindir/psql" -X -At -h 127.0.0.1 -p "$1" -U pcod -d postgres \
	    -c "$2" 2>/dev/null
}


# The data folder of the cluster in $1, resolved; fails when there is none.
datadir() {
	[ -d "$1/data" ] || {
		echo "replica.sh: no cluster in $1" >&2
		exit 1
	}
	(cd "$1/data" && pwd -P)
}

fail() {
	echo "replica.sh: $1" >&2
	[ -z "${2:-}" ] || cat "$2/server.log" >&2 2>/dev/null || true
	exit 1
}

start() {
	pdir=$1
	dir=$2
	pdata=$(datadir "$pdir")
	pport=$(cat "$pdir/port")
	[ -n "$(query "$pport" "SELECT 1")" ] ||
	    fail "the primary in $pdir does not answer on port $pport"
	# Replication connections of pcod from loopback, before any other line.
	if ! as_owner grep -q '^host replication pcod 127.0.0.1/32 trust' \
	    "$pdata/pg_hba.conf"; then
		as_owner sh -c 'f=$1; { echo "host replication pcod 127.0.0.1/32 trust";
		    cat "$f"; } > "$f.new" && mv "$f.new" "$f"' sh \
		    "$pdata/pg_hba.conf"
		[ "$(query "$pport" "SELECT pg_reload_conf()")" = t ] ||
		    fail "cannot reload the primary's configuration"
		sleep 0.2
	fi
	make_datadir "$dir"
	data=$(datadir "$dir")
	as_owner "$bindir/pg_basebackup" -D "$data" -R -X stream -c fast \
	    -d "host=127.0.0.1 port=$pport user=pcod application_name=replica1" \
	    >"$dir/basebackup.log" 2>&1 || {
		cat "$dir/basebackup.log" >&2
		fail "pg_basebackup failed"
	}
	# The primary's log came along; the standby's is its own.
	as_owner rm -f "$data/server.log"
	# The last setting wins: name this standby whatever -R wrote.
	as_owner sh -c 'echo "primary_conninfo = '\''host=127.0.0.1 port=$2 user=pcod application_name=replica1'\''" >> "$1/postgresql.auto.conf"' \
	    sh "$data" "$pport"
	tries=0
	while :; do
		port=$(free_port)
		if as_owner "$bindir/pg_ctl" -D "$data" -w -t 30 \
		    -l "$data/server.log" \
		    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories= -c fsync=on -c max_connections=40 -c hot_standby=on" \
		    start >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		[ $tries -lt 3 ] || fail "the standby did not start:" "$data"
	done
	echo "$port" > "$dir/port"
	[ "$(query "$port" "SELECT pg_is_in_recovery()")" = t ] ||
	    fail "the copy on port $port is not a standby" "$data"
	# Now (not before the copy) make it the synchronous one.
	query "$pport" "ALTER SYSTEM SET synchronous_standby_names = 'replica1'" \
	    >/dev/null || fail "cannot set synchronous_standby_names"
	[ "$(query "$pport" "SELECT pg_reload_conf()")" = t ] ||
	    fail "cannot reload the primary's configuration"
	i=0
	while [ "$(query "$pport" "SELECT state || ' ' || sync_state FROM pg_stat_replication WHERE application_name = 'replica1'")" != "streaming sync" ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "the standby is not streaming synchronously after 30 s:" "$data"
		sleep 0.1
	done
	echo "$port"
}

promote() {
	dir=$1
	data=$(datadir "$dir")
	port=$(cat "$dir/port")
	as_owner "$bindir/pg_ctl" -D "$data" -w -t 30 promote >/dev/null 2>&1 ||
	    fail "pg_ctl promote failed:" "$data"
	i=0
	while [ "$(query "$port" "SELECT pg_is_in_recovery()")" != f ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || fail "the standby still in recovery after 30 s:" "$data"
		sleep 0.1
	done
}

crash() {
	data=$(datadir "$1")
	as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 ||
	    fail "pg_ctl stop -m immediate failed:" "$data"
}

stop() {
	pg_stop_dir "$1"
}

case $cmd in
start)		[ $# -eq 3 ] || usage; start "$2" "$3" ;;
promote)	[ $# -eq 2 ] || usage; promote "$2" ;;
crash)		[ $# -eq 2 ] || usage; crash "$2" ;;
stop)		[ $# -eq 2 ] || usage; stop "$2" ;;
*)		usage ;;
esac
