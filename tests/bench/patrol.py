#!/usr/bin/python3
"""patrol.py - guard check-ins per second through the full path (make bench).

Starts the real pcod on loopback in a temporary folder (tests/integration/
pcotest.py), puts PATROL_BENCH_SITES sites, each with a guard and a
20-checkpoint route whose shift spans now, then measures:
  socket  patrol.checkin requests, PATROL_BENCH_WINDOW in flight per console,
          PATROL_BENCH_CONSOLES consoles;
  dc09    tag reads as SIA-DCS frames from patrol terminals (one TCP
          connection per terminal, each frame waits for its ACK).
Every check-in is stored, deduplicated and judges its shift before the reply
or ACK (the judgement follows on the next loop pass, once per shift
however many scans came in it; its cost grows with the scans the shift
already has, so N / SITES is the scans per shift).  Environment:
PATROL_BENCH_N (4000 per path), PATROL_BENCH_SITES (8), PATROL_BENCH_TERMINALS
(8), PATROL_BENCH_CONSOLES (4), PATROL_BENCH_WINDOW (64)."""

import json
import os
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import pcotest as pt  # noqa: E402

N = int(os.environ.get("PATROL_BENCH_N", "4000"))
SITES = int(os.environ.get("PATROL_BENCH_SITES", "8"))
TERMINALS = int(os.environ.get("PATROL_BENCH_TERMINALS", "8"))
CONSOLES = int(os.environ.get("PATROL_BENCH_CONSOLES", "4"))
WINDOW = int(os.environ.get("PATROL_BENCH_WINDOW", "64"))
CPS = 20


def setup(p):
    """SITES sites, each with a guard (device PHONE<k>) and a route; ids."""
    now = time.time()
    sites = []
    for k in range(SITES):
        site = p.call("site.add", name="Bench %d" % k, timezone="UTC")["id"]
        p.call("guard.add", name="Guard %d" % k, devices=["PHONE%d" % k],
               sites=[site])
        p.call("patrol.route.put", name="Bench %d" % k, site=site,
               order="any", min_round=0,
               checkpoints=[{"tag": tag(k, i), "name": "CP %d" % i,
                             "max_gap": 3600} for i in range(CPS)],
               schedule=[{"days": "mon-sun,holiday",
                          "from": time.strftime("%H:%M",
                                                time.gmtime(now - 1800)),
                          "to": time.strftime("%H:%M",
                                              time.gmtime(now + 7200)),
                          "rounds": 1}])
        sites.append(site)
    return sites


def tag(site, i):
    return "S%02dT%02d" % (site, i)


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%03dZ" % int((t % 1) * 1000)


def console_run(p, k, count, base, errors):
    c = pt.Console(p)
    sent = got = 0
    while got < count:
        while sent < count and sent - got < WINDOW:
            i = k * count + sent
            site = i % SITES
            msg = {"id": sent + 1, "cmd": "patrol.checkin",
                   "args": {"tag": tag(site, i % CPS),
                            "device": "PHONE%d" % site,
                            "time": iso(base + i * 0.001)}}
            c.sock.sendall(json.dumps(msg).encode() + b"\n")
            sent += 1
        r = c._line(30)
        if "id" in r:
            got += 1
            if not r.get("ok") or r["result"].get("duplicate"):
                errors.append(r)
    c.close()


def terminal_run(p, k, count, base, errors):
    acct = "%04X" % (0xB000 + k)
    with p.tcp(timeout=30) as c:
        for j in range(count):
            # A guard reads a tag at most once a second ([H] has seconds).
            t = base + j
            h = time.strftime("%H:%M:%S,%m-%d-%Y", time.gmtime(t))
            a = c.exchange(pt.sia(j % 9999 + 1, acct, "Nri1/ZZ",
                                  xdata="[L%s][H%s]" % (tag(k % SITES, j % CPS),
                                                        h)))
            if a.token != "ACK":
                errors.append(a.token)


def run(p, label, fn, workers, base):
    errors = []
    per = N // workers
    th = [threading.Thread(target=fn, args=(p, k, per, base, errors))
          for k in range(workers)]
    t0 = time.monotonic()
    for x in th:
        x.start()
    for x in th:
        x.join()
    dt = time.monotonic() - t0
    n = per * workers
    print("patrol %-6s %6d check-ins in %6.2f s: %8.0f/s  (%d workers, %d errors)"
          % (label, n, dt, n / dt, workers, len(errors)), flush=True)
    return len(errors)


def main():
    if not os.environ.get("PCOD"):
        print("patrol.py: PCOD not set", file=sys.stderr)
        return 2
    p = pt.Pcod(conf={"log-level": "warn"})
    try:
        sites = setup(p)
        for k in range(TERMINALS):
            acct = "%04X" % (0xB000 + k)
            p.call("account.add", account=acct, site=sites[k % SITES])
            p.call("patrol.terminal.set", account=acct, tag_codes=["ZZ"],
                   tag_field="L", guard_field="none", time="H")
        base = time.time() - 1700
        bad = run(p, "socket", console_run, CONSOLES, base)
        bad += run(p, "dc09", terminal_run, TERMINALS, base + 100)
        db = sqlite3.connect(p.db_path)
        total = db.execute("SELECT count(*) FROM patrol_checkins").fetchone()[0]
        db.close()
        want = (N // CONSOLES) * CONSOLES + (N // TERMINALS) * TERMINALS
        print("patrol stored %d check-ins of %d" % (total, want), flush=True)
        return 1 if bad or total != want else 0
    finally:
        p.cleanup()


if __name__ == "__main__":
    sys.exit(main())
