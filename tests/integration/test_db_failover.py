#!/usr/bin/python3
"""An ACKed event survives the loss of the primary database machine
(issue 14): PostgreSQL with a synchronous standby, as a centre runs it.

The test starts its own primary (tests/pg/cluster.sh) and a synchronous
streaming standby of it (tests/pg/replica.sh: synchronous_standby_names,
synchronous_commit on), so it runs on both passes of `make check`.  One
pcod keeps its store there through libpq's multi-host URI

    postgresql://pcod@127.0.0.1:P1,127.0.0.1:P2/pcod?target_session_attrs=read-write

while panels send events and record every ACK.  The primary is stopped
with `pg_ctl stop -m immediate` (its sessions cut, no checkpoint: the
closest to losing the machine on loopback) while events flow, and the
standby is promoted a second later.  Meanwhile pcod NAKs (or does not
answer) and the panels send the same frames again.  A batch that was in
flight (sent, its COMMIT unanswered) when the primary died makes pcod stop
with status 75 (syncer.c: its memory ran ahead of the database); a
supervisor thread starts it again as systemd's Restart= would, and the
new pcod waits for a server that answers.  Otherwise pcod reconnects by
itself (libpq picks the writable host).  Either way it ACKs again.  Then,
on the promoted server: every event pcod ACKed is stored, none twice; pcod
is the active receiver (the lease row came across with the rest); the time
from the kill to the first ACK after the promotion is printed.

Skipped (exit 77) without PostgreSQL's server binaries.

A COMMIT in doubt (found by this test, fixed in ingest.c before the
pipelined commit; now the restart reads the retransmission window from
the promoted server): when the
primary dies after the standby received a batch's COMMIT but before the
primary answered it, the batch fails in pcod ("server closed the connection
unexpectedly") and its panels get a NAK, yet the batch is on the standby
and so on the promoted server.  The panel's retransmission must then be a
duplicate (ACKed, not stored again), so after such a COMMIT the store, not
the rolled-back keys in memory, answers the retransmission check.  About
one run in two meets it here; every duplicate fails the test (before the
fix: the event stored twice, a second alarm raised).
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types

import pcotest as pt
import pgcluster
from pcotest import Pcod


T = pt.Runner(limit=170)

PGDIR = os.path.join(os.environ.get("TESTDATA") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), ".."), "pg")
LEASE = 3               # seconds: lease-time (the default)
PANELS = 4
EVENTS = 300            # per panel
KILL_AFTER = 120        # ACKs (all panels) before the primary is killed
GAP = 1.0               # seconds between the kill and the promotion


def have_postgresql():
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    return bins and all(os.access(os.path.join(bins[-1], b), os.X_OK) for b
                        in ("initdb", "pg_ctl", "pg_basebackup", "psql"))


class Clusters:
    """A primary and its synchronous standby in a temporary folder;
    close() stops both and removes everything, whatever happened."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pcod-failover.")
        os.chmod(self.dir, 0o755)       # the server runs as nobody as root
        self.primary = os.path.join(self.dir, "primary")
        self.standby = os.path.join(self.dir, "standby")
        self.p1 = self.p2 = None

    def sh(self, script, *args):
        p = subprocess.run(["sh", os.path.join(PGDIR, script)] + list(args),
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=90)
        if p.returncode != 0:
            raise pt.HardError("%s %s: exit %d\n%s" % (
                script, " ".join(args), p.returncode,
                p.stderr.decode("utf-8", "replace")))
        return p.stdout.decode().strip()

    def start(self):
        uri = self.sh("cluster.sh", "start", self.primary)
        self.p1 = int(uri.rsplit(":", 1)[1].split("/")[0])
        self.p2 = int(self.sh("replica.sh", "start", self.primary,
                              self.standby))
        return self

    def uri(self):
        return ("postgresql://pcod@127.0.0.1:%d,127.0.0.1:%d/pcod"
                "?target_session_attrs=read-write" % (self.p1, self.p2))

    def crash_primary(self):
        self.sh("replica.sh", "crash", self.primary)

    def promote(self):
        self.sh("replica.sh", "promote", self.standby)

    def sql(self, port, query):
        """Rows of query on the server on port (psql, as pgcluster)."""
        db = ClusterDb("postgresql://pcod@127.0.0.1:%d/pcod" % port)
        return db.sql(query)

    def close(self):
        for script, d in (("replica.sh", self.standby),
                          ("cluster.sh", self.primary)):
            if os.path.isdir(d):
                subprocess.run(["sh", os.path.join(PGDIR, script), "stop",
                                d], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=60)
        if os.environ.get("PCOTEST_KEEP"):
            sys.stderr.write("# kept %s\n" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


class ClusterDb(pgcluster.Database):
    """The test's own database on its own servers: Pcod.sql() reads it
    (through the multi-host URI: the writable server), nothing drops it."""

    def __init__(self, uri):
        self.name = None
        self.admin = self.uri = uri


class Supervisor(threading.Thread):
    """systemd's Restart=on-failure with RestartSec=1 for one Pcod: starts
    it again whenever it exits with a non-zero status, until stopped."""

    def __init__(self, p):
        super().__init__(daemon=True)
        self.p = p
        self.codes = []
        self.stop = False
        self.error = None

    def run(self):
        while not self.stop:
            rc = self.p.proc.poll()
            if rc is None or rc == 0:
                time.sleep(0.05)
                continue
            self.codes.append(rc)
            self.p._ctl_close()         # the old process's control socket
            time.sleep(1)
            try:
                self.p.start(timeout=60)
            except pt.HardError as e:   # exited again: so would systemd see it
                self.error = e
                if len(self.codes) > 30:
                    return


def port_refuses(port):
    try:
        socket.create_connection((pt.HOST, port), timeout=1).close()
        return False
    except OSError:
        return True


@T.test
def acked_events_survive_primary_loss(t):
    cl = Clusters()
    p = None
    panels = []
    try:
        cl.start()
        t.info("primary on port %d, synchronous standby on port %d"
               % (cl.p1, cl.p2))
        t.eq(cl.sql(cl.p1, "SELECT sync_state FROM pg_stat_replication"
                    " WHERE application_name = 'replica1'"), [("sync",)],
             "the standby is the primary's synchronous one")
        t.eq(cl.sql(cl.p1, "SHOW synchronous_commit"), [("on",)],
             "synchronous_commit is on")
        share = types.SimpleNamespace(pgdb=ClusterDb(cl.uri()))
        p = Pcod(conf={"node-name": "alpha", "lease-time": str(LEASE)},
                 share=share)
        rc, err = p.check_conf(p.conf_path)
        t.eq(rc, 0, "pcod -n takes the multi-host URI")
        r = p.status()["receiver"]
        t.eq((r["role"], r["holder"]), ("active", "alpha"),
             "pcod is the active receiver")
        epoch = r["epoch"]
        accts = ["F%03d" % i for i in range(1, PANELS + 1)]
        for a in accts:
            p.add_account(a)
        panels = [pt.RetransmittingPanel([p.tcp_port], a, EVENTS) for a in accts]
        sup = Supervisor(p)
        sup.start()
        for s in panels:
            s.start()
        t.require(pt.wait_for(lambda: sum(len(s.acked) for s in panels)
                              >= KILL_AFTER, 30),
                  "pcod ACKs the panels' events on the primary")
        cl.crash_primary()
        killed = time.monotonic()
        at_kill = sum(len(s.acked) for s in panels)
        t.info("primary stopped (-m immediate) after %d ACKs" % at_kill)
        t.check(port_refuses(cl.p1), "the primary is gone")
        time.sleep(GAP)
        promoting = time.monotonic()
        cl.promote()
        promoted = time.monotonic()
        # An ACK read up to 0.5 s after the kill may have left pcod before
        # it; later ones, before the promotion, would be ACKs of nothing.
        t.eq(sum(1 for s in panels for _, at in s.acked.values()
                 if killed + 0.5 < at < promoting), 0,
             "no ACK while no server takes writes")
        after = lambda: [at for s in panels for _, at in s.acked.values()
                         if at > promoting]
        t.require(pt.wait_for(lambda: after(), 40),
                  "pcod ACKs again after the promotion")
        took = min(after()) - killed
        t.info("first ACK %.2f s after the primary's kill, %.2f s after"
               " `pg_ctl promote` began (it took %.2f s)" % (
                   took, min(after()) - promoting, promoted - promoting))
        # A generous bound: the machine is shared; the figure is the result.
        t.check(took < 30, "pcod is back within 30 s of the kill",
                "%.2f s" % took)
        for s in panels:
            s.join(60)
        t.check(all(not s.is_alive() for s in panels), "every panel finished")
        t.eq([s.error for s in panels], [None] * len(panels),
             "no panel failed")
        t.info("while the database was gone: %d NAK(s), %d timeout(s)" % (
            sum(s.naks for s in panels), sum(s.timeouts for s in panels)))
        sup.stop = True
        sup.join(5)
        t.eq(sup.error, None, "pcod started again at the first try")
        t.check(all(rc == 75 for rc in sup.codes),
                "pcod stopped only with status 75 (a batch in flight lost)",
                sup.codes)
        t.info("pcod started again %d time(s), as systemd would" %
               len(sup.codes))
        t.check(p.running(), "pcod is running")
        r = p.status()["receiver"]
        t.eq((r["role"], r["node"]), ("active", "alpha"),
             "pcod is the active receiver")
        # Started again under the same node name, it takes the next epoch.
        t.eq(r["epoch"], epoch + len(sup.codes),
             "with its epoch (one more per start)")
        epoch = r["epoch"]
        # On the promoted server itself, not through pcod.
        t.eq(cl.sql(cl.p2, "SELECT pg_is_in_recovery()"), [(0,)],
             "the promoted standby takes writes")
        t.eq(cl.sql(cl.p2, "SELECT holder, epoch FROM lease"),
             [("alpha", epoch)], "the lease row came across")
        # A frame's row, or (schema 17) its only event's row.
        rows = cl.sql(cl.p2, "SELECT f.account, f.seq, f.received_ms,"
                      " (SELECT count(*) FROM events e WHERE e.frame_id ="
                      " f.id) FROM frames f UNION ALL SELECT e.account,"
                      " e.seq, e.received_ms, 1 FROM events e WHERE"
                      " e.frame_id IS NULL AND e.transport IS NOT NULL")
        copies = {}             # (account, seq) -> [(received_ms, events)]
        for a, q, ms, ne in rows:
            copies.setdefault((a, q), []).append((ms, ne))
        for s in panels:
            t.eq(sorted(s.acked), list(range(1, s.n + 1)),
                 "%s: every frame was ACKed" % s.acct)
            missing = [q for q in s.acked if (s.acct, q) not in copies]
            t.eq(missing, [], "%s: every ACKed event is stored on the"
                 " promoted server" % s.acct)
            twice = [q for q in s.acked if [ne for _, ne in
                     copies.get((s.acct, q), [(0, 1)])] != [1]]
            t.eq(twice, [], "%s: each once (one frame, one event)" % s.acct)
        doubt = sum(1 for ln in p.log().splitlines()
                    if "COMMIT's outcome is unknown" in ln)
        t.info("COMMITs in doubt this run: %d" % doubt)
        log = p.log()
        t.info("pcod's log: %d line(s) about the lost database" % sum(
            1 for ln in log.splitlines() if "PostgreSQL" in ln or
            "lease:" in ln))
    finally:
        for s in panels:
            s.stop = True
        if p is not None:
            if T.failed:
                for ln in p.log().splitlines()[-40:]:
                    print("#   " + ln)
            p.cleanup()
        cl.close()


if not have_postgresql():
    print("# SKIP: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)",
          flush=True)
    sys.exit(77)
# Stopped from outside (make interrupted): the finally clauses still stop
# the clusters.
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
signal.signal(signal.SIGHUP, lambda *a: sys.exit(1))
T.run()
