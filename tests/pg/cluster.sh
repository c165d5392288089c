#!/bin/sh
# cluster.sh - a throw-away PostgreSQL cluster for tests, from Debian's
# postgresql binaries (the newest /usr/lib/postgresql/*/bin).
#
#   cluster.sh start DIR   initdb a cluster in DIR (created if missing; it
#                          should be empty), start it on a free port of
#                          127.0.0.1 (TCP only, trust authentication, fsync
#                          on), create the database "pcod" and print its URI
#                          on stdout, one line:
#                              postgresql://pcod@127.0.0.1:PORT/pcod
#                          Exit 0; 77 when no PostgreSQL binaries are
#                          installed (the automake "skip" code); 1 on error
#                          (messages and the server log on stderr).
#   cluster.sh stop DIR    stop it (fast shutdown) and remove what start
#                          created outside DIR.  DIR itself is the caller's.
#
# The superuser is "pcod" whoever runs this.  As root, the server runs as
# "nobody" (initdb refuses root): the cluster lives in DIR/data when nobody
# can reach DIR, otherwise in a fresh folder under ${TMPDIR:-/tmp} that
# DIR/data links to.
set -eu

usage() {
	echo "usage: cluster.sh start|stop DIR" >&2
	exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
pg_bindir initdb pg_ctl

start() {
	make_datadir "$dir"
	data=$(cd "$dir/data" && pwd -P)
	as_owner "$bindir/initdb" -D "$data" -U pcod --auth=trust \
	    --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	tries=0
	while :; do
		port=$(free_port)
		if as_owner "$bindir/pg_ctl" -D "$data" -w -t 30 \
		    -l "$data/server.log" \
		    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories= -c fsync=on -c max_connections=40" \
		    start >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		if [ $tries -ge 3 ]; then
			echo "cluster.sh: the server did not start:" >&2
			cat "$data/server.log" >&2 || true
			exit 1
		fi
	done
	echo "$port" > "$dir/port"
	as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U pcod pcod >&2
	echo "postgresql://pcod@127.0.0.1:$port/pcod"
}

stop() {
	pg_stop_dir "$dir"
}

case $cmd in
start)	start ;;
stop)	stop ;;
*)	usage ;;
esac
