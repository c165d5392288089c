# lib.sh - what cluster.sh and replica.sh share (sourced, POSIX sh): the
# newest /usr/lib/postgresql/*/bin, running as the clusters' owner ("nobody"
# when root: initdb refuses root), a free port, a data folder.

# bindir, or exit 77 (the automake "skip" code) naming what is missing.
pg_bindir() {
	bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	for b in "$@"; do
		if [ -z "$bindir" ] || [ ! -x "$bindir/$b" ]; then
			echo "$(basename "$0"): no PostgreSQL binaries in" \
			    "/usr/lib/postgresql/*/bin" >&2
			exit 77
		fi
	done
}

# Run a command as the clusters' owner.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

# A TCP port of 127.0.0.1 nobody listens on now.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# $1/data, empty, mode 0700 and writable by the owner: in $1 when nobody
# can reach it, otherwise in a fresh folder under ${TMPDIR:-/tmp} that
# $1/data links to ($1/side names it, for the caller's stop to remove).
make_datadir() {
	mkdir -p "$1"
	if [ "$(id -u)" -ne 0 ]; then
		mkdir -m 700 "$1/data"
		return
	fi
	if runuser -u nobody -- test -x "$1" 2>/dev/null &&
	    mkdir -m 700 "$1/data" && chown nobody "$1/data" &&
	    runuser -u nobody -- test -w "$1/data"; then
		return
	fi
	rmdir "$1/data" 2>/dev/null || true
	side=$(mktemp -d "${TMPDIR:-/tmp}/pcod-pg.XXXXXX")
	chmod 755 "$side"
	mkdir -m 700 "$side/data"
	chown nobody "$side/data"
	ln -s "$side/data" "$1/data"
	echo "$side" > "$1/side"
}

# Stop the cluster in $1 (fast) and remove what make_datadir made outside $1.
pg_stop_dir() {
	if [ -d "$1/data" ]; then
		data=$(cd "$1/data" && pwd -P)
		as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	if [ -f "$1/side" ]; then
		rm -rf "$(cat "$1/side")"
		rm -f "$1/side" "$1/data"
	fi
}
