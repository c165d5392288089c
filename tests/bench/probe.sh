# probe.sh - sourced by callgrind.sh and walpages.sh: one pcod on loopback
# with an empty database that accepts unknown accounts, and the wait until
# it answers a frame.

# bench_conf DIR: pick a port (sets port) and write DIR/pcod.conf for it.
bench_conf() {
	# Below the ephemeral range (run.sh's randport() says why).
	port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000 ))
	cat > "$1/pcod.conf" <<EOC
database "pcod.db"
control "pcod.sock" mode 0600
listen tcp 127.0.0.1:$port idle-timeout 600 max-frame 1024 max-connections 4000 max-per-address 4000
unknown-accounts accept
log-level warn
EOC
}

# bench_wait WHO PID LOG: wait (60 s at most) until pcod on port ACKs a
# frame; exit 1 with LOG when PID is gone or it never answers.
bench_wait() {
	bw=0
	until "$BENCH" -p "$port" -c 1 -n 1 -d 2 -a FFFF00 < /dev/null > /dev/null 2>&1; do
		bw=$((bw + 1))
		kill -0 "$2" 2>/dev/null && [ $bw -lt 300 ] || { echo "$1: pcod does not answer:" >&2; cat "$3" >&2; exit 1; }
		sleep 0.2
	done
}
