#!/usr/bin/python3
"""nakrate.py - how fast pcod NAKs while its disk is full, by open alarms.

A failed batch must cost the batch, not every open alarm (issue 8, item 10).
For each count N given (default 200 and 20000): start pcod with its
database on a tmpfs of its own, raise N open alarms (one per account), fill
the tmpfs, then flood pipelined frames that would each raise a new alarm
for BENCH_SECONDS (default 5), BENCH_BURST (default 1) frames per round
trip, and print the NAKs per second.  Needs root
(mount) and PCOD; run from the build tree:

  PCOD=./pcod PYTHONPATH=tests/integration python3 tests/bench/nakrate.py 200 20000

Not part of make check: it is a measurement, not a pass/fail test.
"""

import os
import sys
import time

import pcotest as pt
import test_diskfull as df

SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
BURST = 50
# Frames per round trip in the flood: 1 makes every frame a batch of its own,
# the worst case for a failure that costs per batch.
FLOOD_BURST = int(os.environ.get("BENCH_BURST", "1"))


def raise_alarms(p, n):
    """n open alarms, one per account (the accounts 1000.. in hex)."""
    ts = pt.ts_format()
    with p.tcp(timeout=30) as c:
        for i in range(0, n, BURST):
            frames = [pt.sia(1, "%X" % (0x10000 + k), "Nri1/BA01", ts=ts)
                      for k in range(i, min(n, i + BURST))]
            c.send(b"".join(frames))
            for _ in frames:
                if c.read().token != "ACK":
                    raise SystemExit("an alarm frame was not ACKed")


def flood(p, seconds):
    """NAKs per second for frames of new alarms while the disk is full."""
    naks = acks = 0
    t0 = None
    seq = 0
    with p.tcp(timeout=30) as c:
        # Space the WAL already holds may take a few batches first: the
        # clock starts at the first NAK.
        while t0 is None or time.monotonic() - t0 < seconds:
            ts = pt.ts_format()
            frames = []
            for _ in range(FLOOD_BURST):
                seq = seq % 9999 + 1
                frames.append(pt.sia(seq, "FFF1", "Nri1/BA%d" % (seq % 999 + 1),
                                     ts=ts))
            c.send(b"".join(frames))
            for _ in frames:
                tok = c.read().token
                if tok == "NAK" and t0 is None:
                    t0 = time.monotonic()
                elif tok == "NAK":
                    naks += 1
                elif t0 is not None:
                    acks += 1
    return naks / (time.monotonic() - t0), acks


def run(n):
    p = pt.Pcod(start=False, conf={"log-level": "warn"})
    fs = os.path.join(p.dir, "fs")
    os.mkdir(fs)
    why = df._mount(fs, "256m")
    if why is not None:
        raise SystemExit("mount: %s" % why)
    try:
        p.db_path = os.path.join(fs, "pcod.db")
        p.write_conf({"database": '"%s"' % p.db_path,
                      "log-level": os.environ.get("BENCH_LOG", "warn")})
        p.start()
        t0 = time.monotonic()
        raise_alarms(p, n)
        opened = time.monotonic() - t0
        t1 = time.monotonic()
        df.fill(fs)
        if os.environ.get("BENCH_VERBOSE"):
            print("# filled in %.1f s" % (time.monotonic() - t1), flush=True)
        rate, acks = flood(p, SECONDS)
        print("%6d open alarms (raised in %.1f s): %8.0f NAK/s while the disk is "
              "full (%d ACKs in between)" % (n, opened, rate, acks), flush=True)
        p.kill9()
    finally:
        df._umount(fs)
        p.cleanup()


def main():
    if os.geteuid() != 0:
        print("nakrate.py: needs root to mount a tmpfs", file=sys.stderr)
        return 77
    for arg in sys.argv[1:] or ["200", "20000"]:
        run(int(arg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
