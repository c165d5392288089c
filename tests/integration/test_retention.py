#!/usr/bin/python3
"""Retention on the real daemon: a large purge under a load of DC-09
frames, with the ACK latency measured before and during it; what a purge
must keep; the archive of what is about to go; audit.verify after a purge.

The old history is written behind pcod's back (pcod stopped) through the
harness (sqlite3, or psql on the PostgreSQL pass): frames and events 100 days old, a closed alarm and an open one
linking some of them, and an audit chain of old rows hashed here from its
description in pcod-control(7).
"""

import calendar
import hashlib
import os
import signal
import sqlite3
import stat
import subprocess
import threading
import time

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=240)

DAY_MS = 86400 * 1000
OLD_EVENTS = 10000
OLD_AUDIT = 1500


def now_ms():
    return int(time.time() * 1000)


def ns(b):
    if b is None:
        return b"-"
    if isinstance(b, int):
        b = str(b).encode()
    return str(len(b)).encode() + b":" + b + b","


def chain_hash(prev, row):
    m = ns(b"pcod-audit-v1") + ns(prev)
    for v in row:
        m += ns(v)
    return hashlib.sha256(m).hexdigest()


def old_history(p):
    """Write the old rows: OLD_EVENTS events (ids 1..), alarm 1 closed
    long ago (events 1-100), alarm 2 open (events 101-110), and OLD_AUDIT
    audit rows chained from the first."""
    old = now_ms() - 100 * DAY_MS
    # Both shapes: even ids with a frame row of their own (as before schema
    # 17), odd ids sharing one row with their frame.
    p.sql_many(
        "INSERT INTO frames (id, received_ms, transport, peer, account,"
        " token, seq, raw, digest) VALUES (?, ?, 'tcp', '10.0.0.1:1',"
        " '9999', 'SIA-DCS', ?, ?, 'old')",
        [(i, old + i, i % 9999 + 1, b"\n")
         for i in range(2, OLD_EVENTS + 1, 2)])
    p.sql_many(
        "INSERT INTO events (id, frame_id, account, received_ms, format,"
        " code, qual, class, text) VALUES (?, ?, '9999', ?, 'SIA', 'BA',"
        " 'new', 'burglary', 'old')",
        [(i, i, old + i) for i in range(2, OLD_EVENTS + 1, 2)])
    p.sql_many(
        "INSERT INTO events (id, account, received_ms, format, code, qual,"
        " class, text, transport, peer, token, encrypted, seq, rcvr, line,"
        " raw, digest) VALUES (?, '9999', ?, 'SIA', 'BA', 'new', 'burglary',"
        " 'old', 'tcp', '10.0.0.1:1', 'SIA-DCS', 0, ?, '', '', ?, 'old')",
        [(i, old + i, i % 9999 + 1, b"\n")
         for i in range(1, OLD_EVENTS + 1, 2)])
    for aid, state, closed, first, last in ((1, "closed", old + 5000, 1, 100),
                                            (2, "new", None, 101, 110)):
        p.sql("INSERT INTO alarms (id, account, class, priority, state,"
              " first_ms, last_ms, created_ms, closed_ms, first_event_id,"
              " last_event_id, count) VALUES (?, '9999', 'burglary', 2, ?,"
              " ?, ?, ?, ?, ?, ?, ?)",
              aid, state, old, old, old, closed, first, last, last - first + 1)
        p.sql_many("INSERT INTO alarm_events (event_id, alarm_id) VALUES (?, ?)",
                   [(e, aid) for e in range(first, last + 1)])
        p.sql("INSERT INTO alarm_steps (alarm_id, position, action,"
              " deadline_s) VALUES (?, 1, 'call', 60)", aid)
    prev, rows = "", []
    for i in range(1, OLD_AUDIT + 1):
        row = (i, old + i, b"pcod", b"test.old", b"test", str(i).encode(),
               b"", None)
        h = chain_hash(prev.encode(), row)
        rows.append((i, old + i, "pcod", "test.old", "test", str(i), "", None, h))
        prev = h
    p.sql_many("INSERT INTO audit (id, at_ms, actor, action, object,"
               " object_id, reason, details, hash) VALUES"
               " (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return old


class Load:
    """Panels on n connections sending frames and timing each ACK."""

    def __init__(self, p, n=2, account_base=5000):
        self.p = p
        self.stop = threading.Event()
        self.lat = []               # (t, seconds)
        self.bad = []
        self.sent = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run,
                                         args=("%d" % (account_base + k),),
                                         daemon=True) for k in range(n)]
        for th in self.threads:
            th.start()

    def _run(self, acct):
        i = 0
        try:
            with self.p.tcp(timeout=10) as c:
                while not self.stop.is_set():
                    i += 1
                    f = pt.sia(i % 9999 + 1, acct, "Nri1/BA%d" % (i % 500 + 1))
                    t0 = time.monotonic()
                    m = c.exchange(f)
                    dt = time.monotonic() - t0
                    with self.lock:
                        self.sent += 1
                        if m.token == "ACK":
                            self.lat.append((t0, dt))
                        else:
                            self.bad.append(m.token)
                    time.sleep(0.002)
        except Exception as e:      # reported by the test
            with self.lock:
                self.bad.append(repr(e))

    def window(self, t0, t1):
        with self.lock:
            return sorted(d for t, d in self.lat if t0 <= t < t1)

    def finish(self):
        self.stop.set()
        for th in self.threads:
            th.join(15)


def pct(xs, q):
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, int(len(xs) * q))]


def fmt(xs):
    return "n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms" % (
        len(xs), pct(xs, 0.5) * 1000, pct(xs, 0.99) * 1000,
        (xs[-1] if xs else float("nan")) * 1000)


def fresh_with_history():
    """A pcod whose database holds the old history (no retention yet)."""
    p = Pcod(start=False)
    p.start()
    p.stop()
    old = old_history(p)
    p.start()
    return p, old


def count(p, sql):
    return p.sql(sql)[0][0]



def refused_on_pg(t, r, what):
    """backup and archive copy an SQLite file: refused on PostgreSQL, naming
    the server's own tools."""
    msg = (r.get("error") or {}).get("message") or ""
    t.check(not r.get("ok") and "pg_dump" in msg,
            "%s refused on PostgreSQL, naming the server's tools" % what, r)


def no_copies_on_pg(t, p):
    """PostgreSQL: no archive file; the chain's end the purge will anchor on
    is read from the database instead."""
    until_iso = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                              time.gmtime(time.time() - 30 * 86400))
    refused_on_pg(t, p.ctl("archive", {"path": os.path.join(p.dir, "a.db"),
                                       "until": until_iso}), "archive")
    rid, h = p.sql("SELECT id, hash FROM audit WHERE id = ?", OLD_AUDIT)[0]
    return {"audit_last_id": rid, "audit_last_hash": h}


def pcoctl_tz(p, tz, *argv):
    """pcoctl in zone tz: (rc, out, err)."""
    e = dict(os.environ, TZ=tz)
    r = subprocess.run([os.environ["PCOCTL"], "-s", p.sock_path] + list(argv),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=20,
                       env=e)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


@T.test
def purge_under_load(t):
    """Archive, then purge 10,000 old events while panels send; the ACK
    latency before and during is reported; what must stay stays."""
    p, old = fresh_with_history()
    if pt.STORE == "pg":
        info = no_copies_on_pg(t, p)
    else:
        # The archive first: what is about to go, with the chain's ends.
        until_iso = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                  time.gmtime(time.time() - 30 * 86400))
        arch = os.path.join(p.dir, "archive.db")
        rc, out, err = p.pcoctl("archive", "--until", until_iso, arch,
                              json_out=True)
        t.require(rc == 0, "pcoctl archive", err)
        t.eq(oct(stat.S_IMODE(os.stat(arch).st_mode)), oct(0o600),
             "the archive is 0600")
        a = sqlite3.connect(arch)
        t.eq(a.execute("SELECT count(*) FROM events").fetchone()[0],
             OLD_EVENTS - 10, "the archive holds the old events but the open"
             " alarm's")
        t.eq(a.execute("SELECT count(*) FROM frames").fetchone()[0] +
             a.execute("SELECT count(*) FROM events WHERE frame_id IS NULL"
                       " AND raw IS NOT NULL").fetchone()[0],
             OLD_EVENTS - 10, "and their frames (rows of their own, or"
             " in their event's row)")
        t.eq(a.execute("SELECT value FROM archive_info WHERE key ="
                       " 'format'").fetchone()[0], "pcod-archive-2",
             "archive format 2")
        t.eq(a.execute("SELECT group_concat(id) FROM alarms").fetchone()[0],
             "1", "the closed alarm, not the open one")
        t.eq(a.execute("SELECT count(*) FROM alarm_events").fetchone()[0], 100,
             "its links")
        t.eq(a.execute("SELECT count(*) FROM audit").fetchone()[0], OLD_AUDIT,
             "the old audit rows")
        info = dict(a.execute("SELECT key, value FROM archive_info").fetchall())
        a.close()
        t.eq(info.get("audit_prev_hash"), "", "the chain starts at its beginning")
        t.eq(info.get("audit_last_id"), OLD_AUDIT, "and ends at the last old row")
        # The human view shows the archive's times as times, in the local zone.
        until_s = calendar.timegm(time.strptime(until_iso, "%Y-%m-%dT%H:%M:%SZ"))
        want = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(until_s + 3600))
        want_summer = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(until_s + 7200))
        rc, out, err = pcoctl_tz(p, "Europe/Prague", "archive", "--until", until_iso,
                                 os.path.join(p.dir, "archive2.db"))
        t.check(rc == 0 and (want + " CET" in out or want_summer + " CEST" in out),
                "pcoctl archive shows until in local time with the zone",
                [rc, out, err, want])
        t.check(str(until_s * 1000) not in out and "until_ms" not in out and
                "created_ms" not in out, "no raw milliseconds", out)
        rc, out, err = pcoctl_tz(p, "Europe/Prague", "--utc", "archive", "--until",
                                 until_iso, os.path.join(p.dir, "archive3.db"))
        t.check(rc == 0 and until_iso.replace("T", " ").replace("Z", "") in out,
                "--utc shows it in UTC", [rc, out, err])
        rc, _, _ = p.pcoctl("archive", "--until", until_iso, arch)
        t.check(rc != 0, "an existing file is never overwritten")
        t.eq(os.path.getsize(arch) > 0, True, "and is left as it was")
        t.eq(t_ok(p.ctl("archive", {"path": "relative.db", "until": until_iso})),
             False, "a relative path is refused over the socket")

    load = Load(p)
    time.sleep(4)
    t_before = time.monotonic()
    before = load.window(t_before - 3.5, t_before)
    # Retention on by SIGHUP: the first round starts within seconds.
    p.write_conf(extra=["retention events 30", "retention alarms 30",
                        "retention audit 30"])
    p.send_signal(signal.SIGHUP)
    t_start = time.monotonic()

    def done():
        s = p.status()["purge"]
        return s["rounds"] >= 1 and s["purged"]["events"] > 0 and \
            not s["running"] and s
    st = pt.wait_for(done, timeout=150, step=0.5)
    t_end = time.monotonic()
    load.finish()
    t.require(st, "the purge round finished", p.status().get("purge"))
    during = load.window(t_start + 5, t_end)
    t.info("ACK latency before the purge: %s" % fmt(before))
    t.info("ACK latency during the purge: %s" % fmt(during))
    t.info("purge: %s in %.1f s, %d steps, longest step %d us" % (
        st["purged"], t_end - t_start - 5, st["steps"], st["step_max_us"]))
    t.eq(load.bad, [], "every frame ACKed during the purge")
    t.check(len(during) > 50, "frames were ACKed during the purge",
            len(during))
    # Loose: the point is the figure above; a stall of a second is a bug.
    t.check(pct(during, 0.99) < 1.0, "p99 ACK latency under 1 s while purging",
            fmt(during))
    # On PostgreSQL a step waits on the server, which shares the two cores
    # with this load and with the test running beside it (make -j2): one
    # step of 512 ms was seen in CI, once; a second is still a stall.
    limit = 1.0 if pt.STORE == "pg" else 0.5
    t.check(st["step_max_us"] < limit * 1e6,
            "no purge step took %.1f s" % limit, st["step_max_us"])
    t.eq(st["purged"]["events"], OLD_EVENTS - 10, "every old event purged")
    t.eq(st["purged"]["alarms"], 1, "the closed alarm purged")
    t.eq(st["purged"]["audit"], OLD_AUDIT, "the old audit rows purged")
    t.eq(count(p, "SELECT count(*) FROM events WHERE received_ms < %d"
               % (old + DAY_MS)), 10, "the open alarm's events stay")
    t.eq(count(p, "SELECT count(*) FROM alarm_events WHERE alarm_id = 2"), 10,
         "with their links")
    t.eq(count(p, "SELECT count(*) FROM frames WHERE received_ms < %d"
               % (old + DAY_MS)) +
         count(p, "SELECT count(*) FROM events WHERE received_ms < %d AND"
               " frame_id IS NULL AND transport IS NOT NULL"
               % (old + DAY_MS)), 10, "and frames")
    t.eq(st["purged"]["frames"], OLD_EVENTS - 10,
         "every old frame purged, of either shape")
    today = count(p, "SELECT count(*) FROM events WHERE account >= '5000'")
    t.check(today > 0, "today's events stay", today)
    # each with its frame: a row of its own, or (schema 17) the event's row
    t.eq(count(p, "SELECT count(*) FROM events e WHERE account >= '5000'"
                  " AND (e.transport IS NOT NULL OR EXISTS (SELECT 1 FROM"
                  " frames f WHERE f.id = e.frame_id))"), today,
         "and their frames")
    if pt.STORE == "pg":
        # PostgreSQL checks every foreign key as it writes; look anyway.
        t.eq(count(p, "SELECT count(*) FROM alarm_events x WHERE NOT EXISTS"
                      " (SELECT 1 FROM events e WHERE e.id = x.event_id)")
             + count(p, "SELECT count(*) FROM events e WHERE NOT EXISTS"
                        " (SELECT 1 FROM frames f WHERE f.id = e.frame_id)"
                        " AND e.frame_id IS NOT NULL"), 0, "no row left dangling")
    else:
        t.eq(count(p, "SELECT count(*) FROM pragma_foreign_key_check"), 0,
             "no row left dangling")
    rec = p.call("audit.list", action="retention.purge", limit=5)
    t.check(len(rec) == 1 and rec[0]["actor"] == "pcod" and
            rec[0]["details"]["events"] == OLD_EVENTS - 10,
            "the round is recorded in the audit log, with its counts", rec)
    v = p.call("audit.verify")
    t.check(v.get("intact"), "audit.verify intact after the purge", v)
    t.eq((v.get("anchor") or {}).get("id"), info.get("audit_last_id"),
         "the anchor is the archive's last audit row")
    t.eq((v.get("anchor") or {}).get("hash"), info.get("audit_last_hash"),
         "with its hash: the archive and the database chain together")
    rc, out, _ = p.pcoctl("audit", "verify")
    t.check(rc == 0 and "intact" in out, "pcoctl audit verify", out)
    t.check("anchor row %d hash %s" % (v["anchor"]["id"], v["anchor"]["hash"]) in out
            and "purged before it: %d row(s)" % v["anchor"]["purged"] in out,
            "pcoctl audit verify names the purge's anchor and its hash", out)
    # A restart keeps the anchor and the verdict.
    p.restart()
    t.check(p.call("audit.verify").get("intact"), "intact after a restart")
    p.add_account("4321")
    t.check(p.call("audit.verify").get("intact"), "and after a new row")


def t_ok(r):
    return bool(r.get("ok"))


@T.test
def retention_config_errors(t):
    """retention in pcod.conf: file:line errors for what is wrong."""
    p = Pcod(start=False)
    for extra, want in ((["retention events"], "missing argument"),
                        (["retention frames 30"], "expected events, alarms"),
                        (["retention events 30", "retention events 40"],
                         "already set"),
                        (["retention audit -1"], "out of range"),
                        (["retention audit 12abc"], "not a number")):
        path = p.write_conf(extra=extra, path=os.path.join(p.dir, "bad.conf"))
        rc, err = p.check_conf(path)
        t.check(rc == 1 and want in err and "bad.conf:" in err,
                "refused: %s" % " / ".join(extra), err)
    path = p.write_conf(extra=["retention events 400", "retention audit 0"],
                        path=os.path.join(p.dir, "good.conf"))
    rc, err = p.check_conf(path)
    t.eq(rc, 0, "a valid retention is accepted")


@T.test
def archive_and_backup_need_an_admin(t):
    """An operator or supervisor cannot make pcod write files."""
    p = Pcod()
    p.call("operator.add", login="sup", role="supervisor",
           password="correct horse battery")
    c = pt.Console(p)
    r = c.req("auth.login", {"login": "sup",
                             "password": "correct horse battery"})
    t.require(r.get("ok"), "supervisor logged in", r)
    for cmd, args in (("backup", {"path": os.path.join(p.dir, "x.db")}),
                      ("archive", {"path": os.path.join(p.dir, "y.db"),
                                   "until": "2026-01-01T00:00:00Z"})):
        r = c.req(cmd, args)
        t.check(not r.get("ok"), "%s refused to a supervisor" % cmd, r)
        t.check(not os.path.exists(args["path"]), "no file written")
    c.close()
    if pt.STORE == "pg":
        refused_on_pg(t, p.ctl("backup", {"path": os.path.join(p.dir, "z.db")}),
                      "backup")
        return
    r = p.ctl("backup", {"path": p.db_path})
    t.check(not r.get("ok"), "the database itself is refused", r)
    r = p.ctl("backup", {"path": os.path.join(p.dir, "pcod.conf")})
    t.check(not r.get("ok") and "exists" in r["error"]["message"],
            "an existing file is refused", r)


def scrape(port):
    """A fresh scrape: pcod keeps a rendering for 100 ms."""
    import urllib.request
    time.sleep(0.15)
    text = urllib.request.urlopen("http://%s:%d/metrics" % (pt.HOST, port),
                                  timeout=5).read().decode()
    vals = {}
    for ln in text.splitlines():
        if ln and not ln.startswith("#"):
            k, v = ln.rsplit(" ", 1)
            vals[k] = float(v)
    return vals


@T.test
def upkeep_in_metrics(t):
    """Backups and the purge show in the metrics, so that IT can alert on
    a backup that stopped happening or a purge that fails."""
    mport = pt.free_ports()[0]
    p = Pcod(start=False)
    p.start()
    p.stop()
    old_history(p)
    p.write_conf(extra=["metrics %s:%d" % (pt.HOST, mport)])
    p.start()
    time.sleep(0.3)
    m = scrape(mport)
    t.eq((m.get('pcod_backup_jobs_total{result="ok"}'),
          m.get("pcod_backup_last_success_timestamp_seconds")), (0.0, 0.0),
         "no backup yet: 0 and a timestamp of 0")
    t.eq(m.get('pcod_purged_rows_total{kind="events"}'), 0.0, "nothing purged yet")
    before = time.time()
    if pt.STORE == "pg":
        refused_on_pg(t, p.ctl("backup", {"path": os.path.join(p.dir, "copy.db")}),
                      "backup")
    else:
        rc, out, err = p.pcoctl("backup", os.path.join(p.dir, "copy.db"))
        t.require(rc == 0, "pcoctl backup", err)
        m = scrape(mport)
        t.eq(m.get('pcod_backup_jobs_total{result="ok"}'), 1.0, "the backup is counted")
        ts = m.get("pcod_backup_last_success_timestamp_seconds", 0)
        t.check(before - 2 <= ts <= time.time() + 1,
                "its time is the last success", [before, ts])
    p.write_conf(extra=["metrics %s:%d" % (pt.HOST, mport),
                        "retention events 30", "retention alarms 30"])
    p.send_signal(signal.SIGHUP)

    def done():
        s = p.status()["purge"]
        return s["rounds"] >= 1 and not s["running"] and s
    st = pt.wait_for(done, timeout=120, step=0.5)
    t.require(st, "a purge round finished", p.status().get("purge"))
    m = scrape(mport)
    t.check(st["purged"]["events"] > 0, "something was purged", st)
    t.eq(m.get('pcod_purged_rows_total{kind="events"}'),
         float(st["purged"]["events"]), "purged events as in status")
    t.eq(m.get("pcod_purge_errors_total"), 0.0, "no purge errors")
    t.check(abs(m.get("pcod_purge_last_round_timestamp_seconds", 0) -
                time.time()) < 120, "the last round's time", m)


T.run()
