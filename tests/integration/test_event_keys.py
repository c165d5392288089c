#!/usr/bin/python3
"""event.list's account and class keys beside the database (src/evkeys.c).

On SQLite the keys of event.list's --account and --class filters live in
"<database>-keys", written by a thread of their own; the events table keeps
no index for them (schema 16).  Through the real pcod:
  * lists filtered by account, class and time give what a plain query on
    events gives, right after the frames were ACKed (keys not written yet)
    and once the keys caught up (status event_keys.upto);
  * a history written behind pcod's back is keyed in the background, and
    the keys file is mode 0600;
  * a keys file deleted, damaged, or another database's is written again
    at start, and lists are complete meanwhile;
  * a store of schema 15 is upgraded: the two indexes go (SQLite) or stay
    (PostgreSQL), and lists are the same;
  * lists without account or class: from the class keys (schema 18 drops
    events_received on SQLite), exact whatever the clock did; by ids
    without usable keys; the same from schema 17 on after the upgrade.
"""

import os
import stat
import sqlite3
import time

import pcotest as pt
from pcotest import Pcod, num, wait_for

T = pt.Runner(limit=150)

ACCTS = ("7A01", "7A02", "7A03")
# burglary, fire, medical, by turns
BODIES = ("Nri1/BA01", "Nri1/FA02", "Nri1/MA03")


def send(p, n, first=1):
    """n frames by turns for ACCTS, each ACKed before the next."""
    with p.tcp(timeout=10) as c:
        for i in range(first, first + n):
            a = ACCTS[i % len(ACCTS)]
            r = c.exchange(pt.sia(i, a, BODIES[(i // 3) % len(BODIES)]))
            if r.token != "ACK":
                raise pt.HardError("frame %d answered %s" % (i, r.token))


def plain(p, account=None, cls=None, since=0, until=0, limit=10000):
    """What event.list must give, from events alone."""
    q = "SELECT id FROM events WHERE 1 = 1"
    args = []
    if account is not None:
        q += " AND account = ?"
        args.append(account)
    if cls is not None:
        q += " AND class = ?"
        args.append(cls)
    if since:
        q += " AND received_ms >= ?"
        args.append(since)
    if until:
        q += " AND received_ms < ?"
        args.append(until)
    q += " ORDER BY received_ms DESC, id DESC LIMIT %d" % limit
    return [num(r[0]) for r in p.sql(q, *args)]


def listed(p, account=None, cls=None, since=0, until=0, limit=10000):
    """event.list's ids (since and until in ms, whole seconds)."""
    kw = {}
    if cls is not None:
        kw["class"] = cls
    if since:
        kw["since"] = since // 1000
    if until:
        kw["until"] = until // 1000
    return [num(e["id"]) for e in p.events(account=account, limit=limit,
                                            **kw)]


def compare(t, p, what):
    """Every account and class filter, and none (with a time window and
    limits), against the plain query; one check."""
    times = [num(r[0]) for r in p.sql("SELECT received_ms FROM events"
                                      " ORDER BY received_ms")]
    # event.list takes whole seconds
    mid = times[len(times) // 3] // 1000 * 1000 if times else 0
    end = times[2 * len(times) // 3] // 1000 * 1000 if times else 0
    bad = []
    for a in (None,) + ACCTS + ("9999",):
        for c in (None, "burglary", "fire", "medical"):
            for since, until in ((0, 0), (mid, 0), (mid, end)):
                for limit in (1, 5, 10000):
                    got = listed(p, a, c, since, until, limit)
                    want = plain(p, a, c, since, until, limit)
                    if got != want:
                        bad.append((a, c, since, until, limit, got[:5],
                                    want[:5]))
    t.check(not bad, what, bad[:3])


def newest_id(p):
    return num(p.sql("SELECT coalesce(max(id), 0) FROM events")[0][0])


def keys_caught_up(p, timeout=20):
    """Wait until the keys thread has keyed every event; True if so."""
    want = newest_id(p)
    return wait_for(lambda: p.status()["event_keys"]["upto"] >= want,
                    timeout=timeout, step=0.1)


def keys_path(p):
    return p.db_path + "-keys"


def log_text(p):
    with open(p.err_path, errors="replace") as f:
        return f.read()


@T.test
def lists_match(t):
    """Filtered lists equal the plain query, before and after keying."""
    with Pcod() as p:
        send(p, 60)
        compare(t, p, "lists right after the ACKs")
        if pt.STORE == "pg":
            t.check("event_keys" not in p.status(),
                    "no keys database on PostgreSQL")
            return
        t.require(keys_caught_up(p), "the keys thread keys every event",
                  p.status().get("event_keys"))
        compare(t, p, "lists once keyed")
        send(p, 30, first=61)
        compare(t, p, "lists with a tail not keyed yet")
        t.check("events_account" not in p.indexes("events") and
                "events_class" not in p.indexes("events"),
                "no account or class index on events", p.indexes("events"))
        mode = stat.S_IMODE(os.stat(keys_path(p)).st_mode)
        t.eq(oct(mode), oct(0o600), "the keys file is private")


def bulk(p, n, acct="9999"):
    """n events written behind pcod's back, a minute apart, ending now."""
    t0 = int(time.time() * 1000) - n * 60000
    base = newest_id(p)
    p.sql_many("INSERT INTO events (id, account, received_ms, format, code,"
               " qual, class, text) VALUES (?, ?, ?, 'SIA', 'BA', 'new', ?,"
               " 'bulk')",
               [(base + i, acct if i % 4 else ACCTS[i % 3], t0 + i * 60000,
                 "fire" if i % 7 == 0 else "burglary")
                for i in range(1, n + 1)])


@T.test
def history_keyed_and_rebuilt(t):
    """A history keyed in the background; the keys file deleted, damaged,
    or another database's is written again at start."""
    t.skip_on_pg("the keys database is SQLite's")
    with Pcod() as p:
        send(p, 12)
        bulk(p, 20000)
        compare(t, p, "lists complete while the history is keyed")
        t.require(keys_caught_up(p), "a history of 20,000 events keyed",
                  p.status().get("event_keys"))
        compare(t, p, "lists from the keys")

        p.stop()
        for sfx in ("", "-wal", "-shm"):
            if os.path.exists(keys_path(p) + sfx):
                os.unlink(keys_path(p) + sfx)
        p.start()
        compare(t, p, "keys file deleted: lists complete at once")
        t.check(keys_caught_up(p), "and the keys written again")
        compare(t, p, "lists from the new keys")

        p.stop()
        for sfx in ("-wal", "-shm"):
            if os.path.exists(keys_path(p) + sfx):
                os.unlink(keys_path(p) + sfx)
        with open(keys_path(p), "r+b") as f:
            f.write(b"this is not an SQLite file at all" * 200)
        p.start()
        t.check("rebuilding it" in log_text(p),
                "a damaged keys file is found and rebuilt")
        t.check(p.status()["event_keys"]["usable"], "and usable")
        compare(t, p, "lists complete after the damage")
        t.check(keys_caught_up(p), "and the keys written again")

        # Another database's keys file (a copy put in place, say).
        with Pcod() as q:
            send(q, 9)
            t.require(keys_caught_up(q), "the other pcod keyed its events")
            q.stop()
            p.stop()
            for sfx in ("-wal", "-shm"):
                if os.path.exists(keys_path(p) + sfx):
                    os.unlink(keys_path(p) + sfx)
            with open(keys_path(q), "rb") as src, \
                    open(keys_path(p), "wb") as dst:
                dst.write(src.read())
        p.start()
        t.check("is not the one keyed" in log_text(p),
                "another database's keys are told apart")
        compare(t, p, "lists complete with another database's keys")
        t.check(keys_caught_up(p), "and the keys written again")
        compare(t, p, "lists from the keys written again")


def add_stepped(p):
    """One more event behind pcod's back, after the newest by id but
    stamped an hour before the newest by time (the clock stepped back);
    (its id, the newest time before it)."""
    top = newest_id(p)
    back = num(p.sql("SELECT max(received_ms) FROM events")[0][0])
    p.sql("INSERT INTO events (id, account, received_ms, format, code, qual,"
          " class, text) VALUES (?, '7A01', ?, 'SIA', 'BA', 'new',"
          " 'burglary', 'stepped')", top + 1, back - 3600 * 1000)
    return top + 1, back


@T.test
def lists_by_id_without_keys(t):
    """Without usable keys (or with more events not keyed yet than
    PCOD_TEST_LIST_TAIL_MAX) a list without account or class goes by ids:
    the same as the plain query while ids and times grow together, and
    after a clock step back the newest by arrival."""
    t.skip_on_pg("PostgreSQL keeps events_received")
    with pt.environ({"PCOD_TEST_LIST_TAIL_MAX": "-1"}):
        with Pcod() as p:
            send(p, 60)
            t.require(keys_caught_up(p), "the keys thread keys every event")
            compare(t, p, "lists by ids")
            later = (int(time.time()) + 3600) * 1000
            t.eq(listed(p, until=later, limit=5), plain(p, until=later,
                                                        limit=5),
                 "by ids, until an hour from now: the newest")
            stepped, _ = add_stepped(p)
            got = listed(p, limit=3)
            t.eq(got[:2], plain(p, limit=2), "the newest two by time")
            t.eq(got[2], stepped, "then the newest by arrival, stamped"
                 " earlier")
    with Pcod() as p:
        send(p, 6)
        t.require(keys_caught_up(p), "keyed")
        stepped, back = add_stepped(p)
        t.require(keys_caught_up(p), "and the stepped one")
        t.eq(listed(p, limit=3), plain(p, limit=3),
             "from the keys: the order of time, stepped or not")
        t.eq(listed(p, since=back - 3600 * 1000, until=back - 3599 * 1000),
             [stepped], "and the stepped one in its window")


def downgrade_to_15(p):
    """Make p's store what schema 15 left: the two event indexes."""
    p.downgrade_to_16()
    if pt.STORE == "pg":
        p.sql("UPDATE schema_version SET version = 15")
        return
    p.sql("CREATE INDEX events_account ON events(account, received_ms)")
    p.sql("CREATE INDEX events_class ON events(class, received_ms)")
    p.sql("PRAGMA user_version = 15")


@T.test
def upgrade_from_17(t):
    """Schema 17 to 18: SQLite drops events_received, PostgreSQL keeps it;
    lists are the same."""
    with Pcod() as p:
        send(p, 30)
        p.stop()
        p.downgrade_to_17()
        t.eq(p.schema_version(), 17, "store back at schema 17")
        t.check("events_received" in p.indexes("events"), "with the index")
        p.start()
        t.eq(p.schema_version(), pt.SCHEMA_VERSION, "migrated to the last")
        if pt.STORE == "pg":
            t.check("events_received" in p.indexes("events"),
                    "PostgreSQL keeps events_received")
        else:
            t.check("events_received" not in p.indexes("events"),
                    "SQLite drops events_received")
            t.check(keys_caught_up(p), "keys caught up")
        compare(t, p, "lists after the upgrade")


@T.test
def upgrade_from_15(t):
    """Schema 15 to 16: SQLite drops the two indexes, PostgreSQL keeps
    them; lists are the same."""
    with Pcod() as p:
        send(p, 30)
        p.stop()
        downgrade_to_15(p)
        t.eq(p.schema_version(), 15, "store back at schema 15")
        if pt.STORE != "pg" and os.path.exists(keys_path(p)):
            for sfx in ("", "-wal", "-shm"):
                if os.path.exists(keys_path(p) + sfx):
                    os.unlink(keys_path(p) + sfx)
        p.start()
        t.eq(p.schema_version(), pt.SCHEMA_VERSION, "migrated to the last")
        has = [i for i in p.indexes("events") if i in ("events_account",
                                              "events_class")]
        if pt.STORE == "pg":
            t.eq(has, ["events_account", "events_class"],
                 "PostgreSQL keeps the indexes")
        else:
            t.eq(has, [], "SQLite drops them")
            t.check(keys_caught_up(p), "and keys the events stored before")
        compare(t, p, "lists after the upgrade")


if __name__ == "__main__":
    T.run()
