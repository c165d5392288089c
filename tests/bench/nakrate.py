#!/usr/bin/python3
"""nakrate.py - how fast pcod NAKs while its disk is full, by open alarms.

A failed batch must cost the batch, not every open alarm (issue 8, item 10).
For each count N given (default 200 and 20000): start pcod with its
database on a tmpfs of its own, raise N open alarms (one per account), fill
the tmpfs, then flood pipelined frames that would each raise a new alarm
for BENCH_SECONDS (default 5) and print the NAKs per second.  Needs root
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
    ts = pt.ts_format()
    frames = [pt.sia(s % 9999 + 1, "FFF1", "Nri1/BA%d" % (s % 999 + 1), ts=ts)
              for s in range(BURST)]
    naks = acks = 0
    t0 = None
    with p.tcp(timeout=30) as c:
        # Space the WAL already holds may take a few batches first: the
        # clock starts at the first NAK.
        while t0 is None or time.monotonic() - t0 < seconds:
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
        p.write_conf({"database": '"%s"' % p.db_path, "log-level": "warn"})
        p.start()
        t0 = time.monotonic()
        raise_alarms(p, n)
        opened = time.monotonic() - t0
        df.fill(fs)
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
