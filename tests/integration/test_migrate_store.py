#!/usr/bin/python3
"""pcod migrate-store FROM TO (issue 14, step 6): a live SQLite store moved
to PostgreSQL the way a centre's IT would do it.  A pcod runs on SQLite and
takes real DC-09 frames and console commands; migrate-store copies while it
runs; more frames and an alarm closed; pcod stopped; migrate-store again;
pcod started on the PostgreSQL URI must show everything exactly once, with
its ids, and go on from there.  And the ways it is refused: a wrong URI, a
FROM that is no pcod store, a TO with rows of its own or written since,
a table it does not know.  Runs on the PostgreSQL pass only."""

import hashlib
import json
import os
import sqlite3
import signal
import subprocess
import threading
import time
import urllib.parse

import pcotest as pt
from pcotest import Pcod

pt.skip_unless_pg("migrate-store copies into the cluster of make check-pg")

T = pt.Runner()


def migrate(frm, to, timeout=120):
    """pcod migrate-store FROM TO: (rc, stdout, stderr)."""
    exe = os.environ.get("PCOD")
    p = subprocess.run([exe, "migrate-store", frm, to], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def send(panel, seq, acct, body):
    a = panel.exchange(pt.sia(seq, acct, body))
    assert a.token == "ACK", a
    return a


def lite(path, query, *params):
    """Rows of FROM (the SQLite file), read-only."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        return db.execute(query, params).fetchall()
    finally:
        db.close()


def summary(out):
    """migrate-store's table: {table: (from_rows, to_rows, inserted, updated,
    deleted, not_utf8, verdict)}."""
    rows = {}
    for ln in out.splitlines():
        f = ln.split()
        if len(f) == 9 and f[1].isdigit():
            rows[f[0]] = tuple(int(x) for x in f[1:3]) + \
                tuple(int(x) for x in f[4:8]) + (f[8],)
    return rows


def on_sqlite(**conf):
    """A pcod whose store is the SQLite file src.db in its folder; its own
    database on the cluster (p.db_uri) is the TO of the move."""
    c = {"database": '"src.db"', "take-deadline": "600"}
    c.update(conf)
    p = Pcod(conf=c)
    p.src = os.path.join(p.dir, "src.db")
    return p


def event_ids(p):
    return sorted(e["id"] for e in p.events())


@T.test
def two_run_cutover(t):
    p = on_sqlite()
    sid = p.call("site.add", name="Shop", address="1 Main St")["id"]
    p.call("site.add", name="Depot")
    p.add_account("1234", name="Shop panel", site=sid)
    p.add_account("5678", name="Old panel")
    p.call("operator.add", login="alice", role="operator", password="correct horse 1")
    with p.tcp() as panel:
        send(panel, 1, "1234", "Nri1/BA02")
        send(panel, 2, "1234", "Nri1/OP01")
        send(panel, 3, "5678", "Nri1/FA05")
    lst = p.call("alarm.list")
    t.require(len(lst) == 2, "two alarms before the first run", lst)
    burg = [a for a in lst if a["class"] == "burglary"][0]["id"]
    fire = [a for a in lst if a["class"] == "fire"][0]["id"]
    p.call("alarm.take", id=burg)

    # The first run, while pcod still writes FROM.
    rc, out, err = migrate(p.src, p.db_uri)
    t.require(rc == 0, "first run (pcod running): exit 0", [rc, out, err])
    t.check("TO matches FROM" in out and "audit chain on TO: intact" in out,
            "first run verified", out)
    t.check("events:" in err and "(done)" in err, "progress lines on stderr", err)
    s1 = summary(out)
    t.eq(s1["events"][:3], (3, 3, 3), "events: 3 on both, 3 inserted")

    # Meanwhile: more frames, a closed alarm, an account and a site gone or changed.
    with p.tcp() as panel:
        send(panel, 4, "1234", "Nri1/BA07")
        send(panel, 5, "1234", "Nri1/TA03")
    p.call("alarm.close", id=burg, resolution="false_user", note="user error")
    p.call("site.update", id=sid, address="2 High St")
    p.call("account.remove", account="5678")
    p.call("site.add", name="Warehouse")
    want_events = event_ids(p)
    # Each frame shares its only event's row (schema 17): what of the frame
    # the list shows must come across.
    FRAME_KEYS = ("transport", "peer", "seq", "raw")
    want_frames = {e["id"]: tuple(e.get(k) for k in FRAME_KEYS)
                   for e in p.events()}
    t.check(all(v[3] for v in want_frames.values()), "the frames' raw listed",
            want_frames)
    want_alarms = {a["id"]: a["state"] for a in
                   p.call("alarm.list") + p.call("alarm.list", state="closed")}
    p.stop()
    # Text that is not UTF-8, as an old SQLite store may hold (PostgreSQL cannot).
    db = sqlite3.connect(p.src)
    db.execute("UPDATE accounts SET name = CAST(X'436166E9' AS TEXT) WHERE account = '1234'")
    db.commit()
    db.close()
    audit_n = lite(p.src, "SELECT count(*) FROM audit")[0][0]
    ev_max = lite(p.src, "SELECT max(id) FROM events")[0][0]
    al_max = lite(p.src, "SELECT max(id) FROM alarms")[0][0]

    # The cutover run: only what changed.
    rc, out, err = migrate(p.src, p.db_uri)
    t.require(rc == 0, "second run (pcod stopped): exit 0", [rc, out, err])
    s2 = summary(out)
    t.eq(s2["events"][:3], (len(want_events), len(want_events), 2),
         "events: only the two new ones inserted")
    t.eq(s2["accounts"][2:6], (0, 1, 1, 1),
         "accounts: one updated (not UTF-8), one deleted")
    t.eq(s2["sites"][2:5], (1, 1, 0), "sites: one inserted, one updated")
    t.check(s2["alarms"][3] >= 1, "alarms: the closed one updated", s2["alarms"])
    t.check(all(v[6] == "ok" for v in s2.values()), "every table ok", out)

    # pcod on PostgreSQL: everything there, once, with the same ids.
    p.write_conf(conf={"database": '"%s"' % p.db_uri, "take-deadline": "600"})
    p.start()
    t.eq(event_ids(p), want_events, "events: the same ids, each once")
    t.eq({e["id"]: tuple(e.get(k) for k in FRAME_KEYS) for e in p.events()},
         want_frames, "each event's frame: transport, peer, seq, raw")
    got = {a["id"]: a["state"] for a in
           p.call("alarm.list") + p.call("alarm.list", state="closed")}
    t.eq(got, want_alarms, "alarms with their states")
    a = p.call("alarm.show", id=burg)
    t.eq((a["state"], a["resolution"], a["resolution_note"]),
         ("closed", "false_user", "user error"), "the closed alarm as closed")
    t.eq(p.call("alarm.show", id=fire)["state"], "new", "the open alarm still open")
    accts = p.call("account.list")
    if isinstance(accts, dict):
        accts = accts.get("accounts", [])
    t.eq([x["account"] for x in accts], ["1234"], "accounts: 5678 removed")
    t.eq(accts[0]["name"], "Caf\ufffd", "text that was not UTF-8: U+FFFD")
    sites = p.call("site.list")
    if isinstance(sites, dict):
        sites = sites.get("sites", [])
    t.eq(sorted(x["name"] for x in sites), ["Depot", "Shop", "Warehouse"], "sites")
    t.eq(p.call("site.show", id=sid)["address"], "2 High St", "the changed site")
    ops = p.call("operator.list")
    if isinstance(ops, dict):
        ops = ops.get("operators", [])
    t.check("alice" in [o["login"] for o in ops], "the operator", ops)
    v = p.call("audit.verify")
    t.eq((v["intact"], v["rows"]), (True, audit_n), "audit.verify on PostgreSQL")

    # The sequences go on past the copied ids.
    with p.tcp() as panel:
        send(panel, 6, "1234", "Nri1/BA09")
    new = [e for e in p.events() if e["id"] not in want_events]
    t.require(len(new) == 1, "one new event", new)
    t.check(new[0]["id"] > ev_max, "the new event's id follows the copied ones",
            [new[0]["id"], ev_max])
    new_alarms = [x for x in p.call("alarm.list") if x["id"] not in want_alarms]
    t.check(len(new_alarms) == 1 and new_alarms[0]["id"] > al_max,
            "a new alarm with a new id", new_alarms)
    t.check(p.call("site.add", name="After")["id"] > sid, "a new site id")
    p.stop()

    # pcod has written TO since: a third run would delete that, so it refuses.
    rc, out, err = migrate(p.src, p.db_uri)
    t.eq(rc, 1, "a run after pcod wrote TO: exit 1")
    t.check("changed since" in err, "says TO changed since the copy", err)
    t.eq(len(p.sql("SELECT id FROM events")), len(want_events) + 1,
         "nothing of TO deleted")


DAY_MS = 86400 * 1000
OLD_EVENTS, OLD_AUDIT = 200, 50


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


def old_history(path):
    """Into the SQLite file (pcod stopped): OLD_EVENTS events of 100 days
    ago, alarm 1 closed then (events 1-100, a step), and OLD_AUDIT audit
    rows chained from the first, all for retention to purge."""
    old = int(time.time() * 1000) - 100 * DAY_MS
    db = sqlite3.connect(path)
    db.executemany("INSERT INTO frames (id, received_ms, transport, peer, account,"
                   " token, seq, raw, digest) VALUES (?, ?, 'tcp', '10.0.0.1:1',"
                   " '9999', 'SIA-DCS', ?, ?, 'old')",
                   [(i, old + i, i, b"\n") for i in range(1, OLD_EVENTS + 1)])
    db.executemany("INSERT INTO events (id, frame_id, account, received_ms, format,"
                   " code, qual, class, text) VALUES (?, ?, '9999', ?, 'SIA', 'BA',"
                   " 'new', 'burglary', 'old')",
                   [(i, i, old + i) for i in range(1, OLD_EVENTS + 1)])
    db.execute("INSERT INTO alarms (id, account, class, priority, state, first_ms,"
               " last_ms, created_ms, closed_ms, first_event_id, last_event_id,"
               " count) VALUES (1, '9999', 'burglary', 2, 'closed', ?, ?, ?, ?,"
               " 1, 100, 100)", (old, old, old, old + 5000))
    db.executemany("INSERT INTO alarm_events (event_id, alarm_id) VALUES (?, 1)",
                   [(e,) for e in range(1, 101)])
    db.execute("INSERT INTO alarm_steps (alarm_id, position, action, deadline_s)"
               " VALUES (1, 1, 'call', 60)")
    prev = ""
    for i in range(1, OLD_AUDIT + 1):
        row = (i, old + i, b"pcod", b"test.old", b"test", str(i).encode(), b"", None)
        h = chain_hash(prev.encode(), row)
        db.execute("INSERT INTO audit (id, at_ms, actor, action, object, object_id,"
                   " reason, details, hash) VALUES (?, ?, 'pcod', 'test.old', 'test',"
                   " ?, '', NULL, ?)", (i, old + i, str(i), h))
        prev = h
    db.commit()
    db.close()


@T.test
def online_copy_under_load(t):
    """The first run while panels keep sending: every frame ACKed, pcod not
    held up (the copy only reads the SQLite file), and after the cutover
    run TO holds exactly the events FROM holds."""
    n_seed = 40000
    p = on_sqlite()
    p.stop()
    now = int(time.time() * 1000)
    db = sqlite3.connect(p.src)
    db.executemany("INSERT INTO frames (id, received_ms, transport, peer, account,"
                   " token, seq, raw) VALUES (?, ?, 'tcp', '10.0.0.1:1', '9999',"
                   " 'SIA-DCS', ?, ?)", [(i, now - n_seed + i, i % 9999 + 1, b"\n")
                                         for i in range(1, n_seed + 1)])
    db.executemany("INSERT INTO events (id, frame_id, account, received_ms, format,"
                   " code, qual, class, text) VALUES (?, ?, '9999', ?, 'SIA', 'OP',"
                   " 'new', 'opening', 'seed')",
                   [(i, i, now - n_seed + i) for i in range(1, n_seed + 1)])
    db.commit()
    db.close()
    p.start()
    p.add_account("1234")
    stop = threading.Event()
    res = {"acked": 0, "bad": [], "slowest": 0.0}

    def panel():
        i = 0
        try:
            with p.tcp(timeout=10) as c:
                while not stop.is_set():
                    i += 1
                    t0 = time.monotonic()
                    m = c.exchange(pt.sia(i % 9999 + 1, "1234", "Nri1/OP%02d" % (i % 90 + 1)))
                    res["slowest"] = max(res["slowest"], time.monotonic() - t0)
                    if m.token == "ACK":
                        res["acked"] += 1
                    else:
                        res["bad"].append(m.token)
                    time.sleep(0.005)
        except Exception as e:
            res["bad"].append(repr(e))
    th = threading.Thread(target=panel, daemon=True)
    th.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    rc, out, err = migrate(p.src, p.db_uri)
    took = time.monotonic() - t0
    during = res["acked"]
    time.sleep(0.5)
    stop.set()
    th.join(15)
    t.require(rc == 0, "the first run under load: exit 0", [rc, out, err])
    t.info("first run: %d seeded events + frames in %.1f s while %d frames were ACKed;"
           " slowest ACK %.3f s" % (n_seed, took, during, res["slowest"]))
    t.eq(res["bad"], [], "every frame ACKed meanwhile")
    t.check(during > 20, "frames were ACKed during the copy", during)
    t.check(res["slowest"] < 1.0, "no ACK held up by the copy", res["slowest"])
    p.stop()
    want = [r[0] for r in lite(p.src, "SELECT id FROM events ORDER BY id")]
    rc, out, err = migrate(p.src, p.db_uri)
    t.require(rc == 0, "the cutover run: exit 0", [rc, out, err])
    t.check(summary(out)["events"][2] > 0, "it copied what came meanwhile",
            summary(out)["events"])
    t.eq([r[0] for r in p.sql("SELECT id FROM events ORDER BY id")], want,
         "TO holds exactly FROM's events, with their ids")


@T.test
def large_tables_page_by_page(t):
    """Tables of several pages (5,000 rows each) with text and composite
    keys, some of it not ASCII and some changed in the middle of a page
    between the runs: TO ends up equal to FROM row for row."""
    p = on_sqlite()
    p.stop()
    db = sqlite3.connect(p.src)
    db.execute("INSERT INTO sites (id, name, created_ms, updated_ms) VALUES (1, 'S', 1, 1)")
    db.executemany("INSERT INTO accounts (account, name, created_ms, site_id)"
                   " VALUES (?, ?, 1, 1)",
                   [("%05d" % i, "n\u00e9%d" % i) for i in range(12000)])
    db.executemany("INSERT INTO alarms (id, account, class, priority, state, first_ms,"
                   " last_ms, created_ms) VALUES (?, 'x', 'burglary', 2, 'closed', 1, 1, 1)",
                   [(i,) for i in range(1, 3001)])
    db.executemany("INSERT INTO alarm_accounts (alarm_id, account, count, first_ms,"
                   " last_ms) VALUES (?, ?, 1, 1, 1)",
                   [(a, "a%d\u00e9" % k if k == 2 else "a%d" % k)
                    for a in range(1, 3001) for k in range(4)])
    db.execute("INSERT INTO guards (id, name, created_ms, updated_ms) VALUES (1, 'g', 1, 1)")
    db.executemany("INSERT INTO guard_ids (ident, guard_id, kind) VALUES (?, 1, 'tag')",
                   [("Tag%05d%s" % (i, "a" if i % 2 else "B"),) for i in range(7000)])
    db.commit()
    db.close()
    rc, out, err = migrate(p.src, p.db_uri)
    t.require(rc == 0, "first run", [rc, out, err])
    db = sqlite3.connect(p.src)
    db.execute("UPDATE accounts SET name = 'changed' WHERE account IN ('00007', '05000', '09999')")
    db.execute("DELETE FROM accounts WHERE account IN ('04999', '05001', '11999')")
    db.execute("INSERT INTO accounts (account, created_ms) VALUES ('05000a', 2)")
    db.execute("DELETE FROM alarm_accounts WHERE alarm_id = 1500 AND account = 'a1'")
    db.execute("UPDATE alarm_accounts SET count = 7 WHERE alarm_id = 2999 AND account = 'a2\u00e9'")
    db.execute("UPDATE guard_ids SET kind = 'device' WHERE ident = 'Tag06999a'")
    db.execute("DELETE FROM guard_ids WHERE ident = 'Tag00000B'")
    db.commit()
    db.close()
    rc, out, err = migrate(p.src, p.db_uri)
    t.require(rc == 0, "second run", [rc, out, err])
    s2 = summary(out)
    t.eq(s2["accounts"][2:5], (1, 3, 3), "accounts: 1 inserted, 3 updated, 3 deleted")
    t.eq(s2["alarm_accounts"][2:5], (0, 1, 1), "alarm_accounts: 1 updated, 1 deleted")
    t.eq(s2["guard_ids"][2:5], (0, 1, 1), "guard_ids: 1 updated, 1 deleted")
    for table, key in (("accounts", "account"), ("alarm_accounts", "alarm_id, account"),
                       ("guard_ids", "ident")):
        a = lite(p.src, "SELECT * FROM %s" % table)
        b = p.sql("SELECT * FROM %s" % table)
        t.eq(sorted(b, key=repr), sorted(a, key=repr), "%s: TO equals FROM row for row" % table)


@T.test
def retention_purge_between_runs(t):
    """Rows FROM's retention purged after the first run go from TO too, the
    audit anchor (naming a row that no longer exists) is copied, and the
    chain verifies on TO from it."""
    p = on_sqlite()
    p.stop()
    old_history(p.src)
    p.start()
    p.add_account("1234")
    with p.tcp() as panel:
        send(panel, 1, "1234", "Nri1/BA02")
    rc, out, err = migrate(p.src, p.db_uri)
    t.require(rc == 0, "first run, the old rows copied", [rc, out, err])
    t.eq(summary(out)["audit"][:2], (OLD_AUDIT + lite(p.src, "SELECT count(*) FROM audit"
                                                     " WHERE id > ?", OLD_AUDIT)[0][0],) * 2,
         "the audit rows on both sides")
    p.write_conf(conf={"database": '"src.db"', "take-deadline": "600"},
                 extra=["retention events 30", "retention alarms 30", "retention audit 30"])
    p.send_signal(signal.SIGHUP)

    def done():
        s = p.status()["purge"]
        return s["rounds"] >= 1 and s["purged"]["audit"] > 0 and not s["running"] and s
    st = pt.wait_for(done, timeout=60, step=0.5)
    t.require(st, "FROM's retention purged the old rows", p.status().get("purge"))
    with p.tcp() as panel:
        send(panel, 2, "1234", "Nri1/BA03")
    p.stop()
    anchor = lite(p.src, "SELECT last_id, last_hash FROM audit_anchor")
    t.require(len(anchor) == 1 and anchor[0][0] >= OLD_AUDIT, "FROM has an anchor", anchor)
    rc, out, err = migrate(p.src, p.db_uri)
    t.require(rc == 0, "second run after the purge: exit 0", [rc, out, err])
    s2 = summary(out)
    t.eq(s2["events"][4], OLD_EVENTS, "the purged events deleted from TO")
    t.eq(s2["alarms"][4], 1, "the purged alarm deleted")
    t.check(s2["audit"][4] >= OLD_AUDIT, "the purged audit rows deleted", s2["audit"])
    t.eq(p.sql("SELECT last_id, last_hash FROM audit_anchor"), anchor,
         "the anchor copied as it is")
    t.eq(p.sql("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND"
               " tgenabled = 'D'")[0][0], 0, "every trigger enabled again")
    p.write_conf(conf={"database": '"%s"' % p.db_uri})
    p.start()
    v = p.call("audit.verify")
    t.check(v["intact"] and (v.get("anchor") or {}).get("id") == anchor[0][0],
            "audit.verify on PostgreSQL: intact from the anchor", v)
    r = p.ctl("audit.list", {"limit": 1})
    t.check(r.get("ok"), "the audit log reads", r)
    with p.tcp() as panel:
        send(panel, 3, "1234", "Nri1/BA04")
    t.check(p.call("audit.verify")["intact"], "and after a new row")


@T.test
def interrupted_run_is_finished_by_the_next(t):
    p = on_sqlite()
    p.add_account("1234")
    with p.tcp() as panel:
        for i in range(1, 8):
            send(panel, i, "1234", "Nri1/BA%02d" % i)
    p.stop()
    rc, out, err = migrate(p.src, p.db_uri)
    t.require(rc == 0, "first run", [rc, out, err])
    # What a run killed half-way leaves: its record says copying, and TO
    # lacks rows (and the sequences lag).
    mark = json.loads(p.sql("SELECT obj_description(to_regclass('schema_version'),"
                            " 'pg_class')")[0][0])
    t.eq(mark.get("state"), "copied", "the record of a finished run")
    mark["state"] = "copying"
    p.sql("COMMENT ON TABLE schema_version IS '%s'" % json.dumps(mark).replace("'", "''"))
    p.sql("DELETE FROM alarm_events WHERE event_id > 3")
    p.sql("DELETE FROM events WHERE id > 3")
    rc, out, err = migrate(p.src, p.db_uri)
    t.require(rc == 0, "the next run finishes it", [rc, out, err])
    t.eq(summary(out)["events"][:3], (7, 7, 4), "the missing events copied")
    t.eq(p.sql("SELECT count(*) FROM events")[0][0], 7, "all there")


@T.test
def refusals(t):
    p = on_sqlite()
    p.add_account("1234")
    with p.tcp() as panel:
        send(panel, 1, "1234", "Nri1/BA02")
    p.stop()

    # Usage: wrong order, a password in the URI (never echoed).
    t.eq(migrate(p.db_uri, p.src)[0], 2, "TO and FROM swapped: exit 2")
    u = urllib.parse.urlsplit(p.db_uri)
    pw = "%s://%s:s3cr3t-pw@%s%s" % (u.scheme, u.username, u.hostname +
                                      (":%d" % u.port if u.port else ""), u.path)
    rc, out, err = migrate(p.src, pw)
    t.eq(rc, 2, "a password in the URI: exit 2")
    t.check("password" in err and "s3cr3t-pw" not in err + out,
            "refused, the password not shown", err)

    # A wrong URI: nobody listens there.
    port = pt.free_tcp_port()
    rc, out, err = migrate(p.src, "postgresql://pcod@127.0.0.1:%d/nothere" % port)
    t.eq(rc, 1, "nobody at the URI: exit 1")
    t.check("Traceback" not in err and len(err.strip()) > 0 and "nothere" in err,
            "a message naming it", err)

    # FROM that is no pcod store.
    junk = os.path.join(p.dir, "junk.db")
    with open(junk, "w") as f:
        f.write("this is not a database\n" * 100)
    rc, out, err = migrate(junk, p.db_uri)
    t.eq(rc, 1, "FROM not SQLite: exit 1")
    t.check("not a pcod database" in err, "says so", err)
    other = os.path.join(p.dir, "other.db")
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, x TEXT)")
    db.commit()
    db.close()
    rc, out, err = migrate(other, p.db_uri)
    t.check(rc == 1 and "not a pcod database" in err, "an SQLite file of something else",
            [rc, err])
    old = os.path.join(p.dir, "old.db")
    db = sqlite3.connect(old)
    db.execute("CREATE TABLE accounts (account TEXT PRIMARY KEY)")
    db.execute("PRAGMA user_version = 5")
    db.commit()
    db.close()
    rc, out, err = migrate(old, p.db_uri)
    t.check(rc == 1 and "start pcod on it once" in err, "an older schema: migrate it first",
            [rc, err])
    t.check(not os.path.exists(os.path.join(p.dir, "missing.db")) and
            migrate(os.path.join(p.dir, "missing.db"), p.db_uri)[0] == 1 and
            not os.path.exists(os.path.join(p.dir, "missing.db")),
            "a FROM that does not exist: exit 1, not created")

    # A TO with rows of its own.
    q = Pcod()
    q.call("site.add", name="Someone else's")
    q.stop()
    rc, out, err = migrate(p.src, q.db_uri)
    t.eq(rc, 1, "TO with foreign rows: exit 1")
    t.check("already holds rows" in err and "sites" in err, "names the table", err)
    t.eq(q.sql("SELECT count(*) FROM events")[0][0], 0, "nothing copied into it")
    t.eq(q.sql("SELECT name FROM sites"), [("Someone else's",)], "its rows untouched")

    # A table migrate-store does not know (a newer schema): loud, nothing copied.
    db = sqlite3.connect(p.src)
    db.execute("CREATE TABLE gizmos (id INTEGER PRIMARY KEY)")
    db.commit()
    db.close()
    rc, out, err = migrate(p.src, p.db_uri)
    t.check(rc == 1 and "gizmos" in err and "neither copied nor skipped" in err,
            "an unknown table fails the run", [rc, err])
    t.eq(p.sql("SELECT count(*) FROM events")[0][0], 0, "nothing copied")
    db = sqlite3.connect(p.src)
    db.execute("DROP TABLE gizmos")
    db.commit()
    db.close()

    # Now it copies; another FROM into the same TO is refused.
    rc, out, err = migrate(p.src, p.db_uri)
    t.require(rc == 0, "the fixed FROM copies", [rc, out, err])
    r2 = on_sqlite()
    r2.add_account("9999")
    r2.stop()
    rc, out, err = migrate(r2.src, p.db_uri)
    t.check(rc == 1 and "was filled from" in err, "a second FROM into one TO refused",
            [rc, err])

    # A pcod running on TO: refused by its lock.
    p.write_conf(conf={"database": '"%s"' % p.db_uri})
    p.start()
    rc, out, err = migrate(p.src, p.db_uri)
    t.check(rc == 1 and "another pcod" in err, "TO in use by a pcod: refused", [rc, err])


if __name__ == "__main__":
    T.run()
