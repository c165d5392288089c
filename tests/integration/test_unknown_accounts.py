#!/usr/bin/python3
"""Unknown accounts cannot flood the queue (issue 8, item 6), written as the
attack: thousands of spoofed UDP frames from many distinct unknown accounts
are all stored, but raise one low-priority "unknown accounts" alarm that
counts them and names the accounts; and a supervisor closes alarms in bulk
by filter, audited as one action."""

import os
import re
import select
import socket
import subprocess
import time
from collections import Counter

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=120)

N = 3000            # spoofed frames
NACCT = 2000        # distinct spoofed accounts among them
WINDOW = 200        # frames in flight before their ACKs are read
CODES = ["BA", "FA", "PA", "TA", "BR"]


def err(r):
    return None if r.get("ok") else (r.get("error") or {}).get("code")


def errmsg(r):
    return (r.get("error") or {}).get("message") or ""


def spoofed(i):
    return "%X" % (0x20000 + i % NACCT)


def flood(p, n=N, first=0):
    """n frames over UDP from spoofed accounts, WINDOW at a time, numbered
    from first (so that no two floods send the same frame); the ACKs per
    account (an ACK says the event is committed)."""
    acked = Counter()
    with p.udp(timeout=3) as u:
        for start in range(first, first + n, WINDOW):
            batch = range(start, min(first + n, start + WINDOW))
            for i in batch:
                u.send(pt.sia(i % 9999 + 1, spoofed(i), "Nri1/%s%02d" %
                              (CODES[i % len(CODES)], i % 99 + 1)))
            for _ in batch:
                try:
                    m = u.read(timeout=3)
                except socket.timeout:
                    break
                if m.token == "ACK":
                    acked[m.acct] += 1
    return acked


def db_one(p, q, args=()):
    return p.sql(q, *args)[0][0]


def open_alarms(p):
    return p.call("alarm.list", state="open", limit=10000)


def audit(p, **args):
    args.setdefault("limit", 10000)
    r = p.call("audit.list", **args)
    return r if isinstance(r, list) else r.get("records", [])


@T.test
def spoofed_flood_is_one_alarm(t):
    p = Pcod(conf={"take-deadline": "600"})
    acked = flood(p)
    total = sum(acked.values())
    t.check(total >= N * 0.95, "the flood was received and acknowledged "
            "(%d of %d)" % (total, N))
    t.eq(db_one(p, "SELECT count(*) FROM events WHERE unknown_account = 1"),
         total, "every acknowledged event from an unknown account is stored")
    t.eq(db_one(p, "SELECT count(DISTINCT account) FROM events"), len(acked),
         "from that many distinct accounts")
    lst = open_alarms(p)
    t.eq(len(lst), 1, "exactly one open alarm for the whole flood")
    a = lst[0] if lst else {}
    t.eq((a.get("kind"), a.get("account"), a.get("class"), a.get("priority")),
         ("unknown_accounts", "unknown", "other", 5),
         "kind unknown_accounts, low priority 5 by default")
    t.eq(a.get("count"), total, "its count is every event of the flood")
    t.eq(a.get("accounts_seen"), len(acked), "accounts_seen: every distinct account")
    seen = a.get("unknown_accounts") or []
    t.eq(len(seen), 10, "alarm.list names the 10 busiest accounts")
    top = acked.most_common(1)[0]
    t.eq((seen[0].get("account"), seen[0].get("events")) if seen else None, top,
         "the busiest account first, with its events")
    sh = p.call("alarm.show", id=a["id"])
    t.eq(sh.get("accounts_seen"), len(acked), "alarm.show: accounts_seen")
    t.eq(len(sh.get("unknown_accounts") or []), 100, "alarm.show names 100 accounts")
    t.check(all(x["events"] == acked[x["account"]] for x in sh["unknown_accounts"]),
            "alarm.show: each named account with its exact events")
    raised = [r for r in audit(p, action="alarm.raise")]
    t.eq(len(raised), 1, "one alarm.raise audit row, not one per spoofed account")
    t.check(db_one(p, "SELECT count(*) FROM audit") < 20,
            "the audit log did not grow with the flood")
    rc, out, _ = p.pcoctl("alarm", "list")
    t.check(rc == 0 and "ACCOUNTS" in out and str(len(acked)) in out,
            "pcoctl alarm list shows the accounts seen", out)
    rc, out, _ = p.pcoctl("alarm", "show", str(a["id"]))
    t.check(rc == 0 and "unknown_accounts (100)" in out and top[0] in out,
            "pcoctl alarm show lists the accounts", out[:2000])
    # An enrolled panel still raises its own alarm at its class's priority.
    p.add_account("1234")
    with p.tcp() as panel:
        t.eq(panel.exchange(pt.sia(1, "1234", "Nri1/BA05")).token, "ACK",
             "known account's burglary acknowledged")
    lst = open_alarms(p)
    t.eq(sorted((x["kind"], x["priority"]) for x in lst),
         [("event", 2), ("unknown_accounts", 5)],
         "the known account's alarm is separate and first in the queue")
    # Still one alarm after a restart: the next spoofed frame stacks on it.
    t.eq(p.stop(), 0, "clean stop")
    p.start()
    more = sum(flood(p, 50, first=N).values())
    un = [x for x in open_alarms(p) if x["kind"] == "unknown_accounts"]
    t.eq(len(un), 1, "after a restart the flood still stacks onto the one alarm")
    t.eq(db_one(p, "SELECT count(*) FROM events WHERE unknown_account = 1"),
         total + more, "every event stored, before and after the restart")
    t.eq(un[0]["count"] if un else None, total + more, "and counts on")


def unknown_rows(p):
    """The open unknown-accounts alarm over the control socket: its count,
    accounts_seen and {account: events} (alarm.show names up to 100)."""
    un = [x for x in open_alarms(p) if x["kind"] == "unknown_accounts"]
    if len(un) != 1:
        return None
    sh = p.call("alarm.show", id=un[0]["id"])
    return (sh.get("count"), sh.get("accounts_seen"),
            {x["account"]: x["events"] for x in sh.get("unknown_accounts") or []})


def burst(p, frames, upto_close=False):
    """Write frames at once on one connection (a pipelining panel: a batch
    or a few); the answers in order (upto_close: those read before pcod
    closed the connection)."""
    ans = []
    with p.tcp() as c:
        c.send(b"".join(frames))
        try:
            for _ in frames:
                ans.append(c.read())
        except pt.Closed:
            if not upto_close:
                raise
    return ans


@T.test
def unknown_accounts_counted_per_batch(t):
    """The events of unknown accounts are counted per account once a batch:
    after the commit the console sees every acknowledged event, per account;
    a batch that fails while writing those counts (a trigger refuses one
    account) leaves no trace, and its retransmissions count once.

    Those writes are blind (nothing waits for their answer).  SQLite's
    writer thread runs them before the next batch opens, so the failed
    batch gets NAKs.  PostgreSQL's pipeline learns of the failure only
    from the commit's answer, with later batches sent: pcod stops with
    status 75 and starts again from what the database holds (syncer.c);
    in the end every frame is acknowledged, stored and counted once."""
    p = Pcod()
    k, n = 7, 400
    accts = ["%X" % (0x7100 + i) for i in range(k)]
    frames = [pt.sia(i + 1, accts[i % k], "Nri1/BA%02d" % (i % 99 + 1))
              for i in range(n)]
    ans = burst(p, frames)
    acked = Counter(a.acct for a in ans if a.token == "ACK")
    t.eq(sum(acked.values()), n, "every frame of the burst acknowledged")
    t.eq(unknown_rows(p), (n, k, dict(acked)),
         "one alarm: count, accounts seen and each account's events exact")

    if pt.STORE == "pg":
        p.sql("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
              " $$ BEGIN IF NEW.account = 'DEAD' THEN"
              " RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$")
        p.sql("CREATE TRIGGER refuse BEFORE INSERT ON alarm_accounts"
              " FOR EACH ROW EXECUTE FUNCTION refuse()")
    else:
        p.sql("CREATE TRIGGER refuse BEFORE INSERT ON alarm_accounts"
              " WHEN NEW.account = 'DEAD' BEGIN"
              " SELECT RAISE(ABORT, 'refused by the test'); END")
    more = accts + ["DEAD", "BEEF"]
    bad = [pt.sia(1000 + i, more[i % len(more)], "Nri1/FA%02d" % (i % 99 + 1))
           for i in range(90)]
    ans = burst(p, bad, upto_close=pt.STORE == "pg")
    t.check(all(a.token in ("ACK", "NAK") for a in ans), "ACK or NAK only",
            Counter(a.token for a in ans))
    acked2 = Counter(a.acct for a in ans if a.token == "ACK")
    t.check("DEAD" not in acked2, "no event of DEAD acknowledged")
    want = Counter(acked) + acked2
    if pt.STORE == "pg":
        naked = bad[:]      # what was ACKed is sent again too: DUH-free ACK
        want = Counter(acked)
        try:
            rc = p.proc.wait(15)
        except Exception:
            rc = None
        t.eq(rc, 75, "pcod stopped with status 75: the refused batch "
             "failed at the server after its COMMIT was sent")
        p.start()
    else:
        naked = [fr for fr, a in zip(bad, ans) if a.token != "ACK"]
        t.check(len(naked) >= 10, "the batch holding DEAD's first event "
                "failed: NAK (%d of %d)" % (len(naked), len(bad)))
        t.eq(unknown_rows(p), (n + sum(acked2.values()),
                               k + ("BEEF" in acked2), dict(want)),
             "the failed batch left no count behind; the others counted "
             "exactly")
        t.eq(db_one(p, "SELECT count(*) FROM events WHERE unknown_account"
                    " = 1"), n + sum(acked2.values()), "nor an event")

    p.sql("DROP TRIGGER refuse" + (" ON alarm_accounts" if pt.STORE == "pg" else ""))
    deadline = time.monotonic() + 15
    while naked and time.monotonic() < deadline:
        ans = burst(p, naked)
        want += Counter(a.acct for a in ans if a.token == "ACK")
        naked = [fr for fr, a in zip(naked, ans) if a.token != "ACK"]
        if naked:
            time.sleep(0.5)
    t.eq(naked, [], "the refused frames are acknowledged when sent again")
    t.eq(want, Counter(acked) + Counter(more[i % len(more)] for i in range(90)),
         "every frame acknowledged once in the end")
    t.eq(unknown_rows(p), (n + 90, k + 2, dict(want)),
         "and counted once: rows, accounts seen and the alarm's count")
    t.eq(db_one(p, "SELECT count(*) FROM events WHERE unknown_account = 1"),
         n + 90, "each event stored once")


PASSWORDS = {"op1": "operator-pw-1", "sup1": "supervisor-pw-1"}


def console(p, who):
    """A console logged in as who (operator op1 or supervisor sup1)."""
    c = pt.Console(p)
    r = c.req("auth.login", {"login": who, "password": PASSWORDS[who]})
    assert r.get("ok"), r
    return c


def panel_alarms(p, acct, codes, first_seq=1):
    """One SIA event per code from acct over TCP, each acknowledged."""
    with p.tcp() as panel:
        for i, code in enumerate(codes):
            a = panel.exchange(pt.sia(first_seq + i, acct, "Nri1/" + code))
            assert a.token == "ACK", a


def watch_lines(w, until, timeout=10):
    """Lines from a running pcoctl alarm watch up to one containing until
    (or the timeout); the watch is then stopped."""
    lines, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([w.stdout], [], [], 0.2)
            if not ready:
                continue
            ln = w.stdout.readline().decode("utf-8", "replace").strip()
            if not ln:
                break
            lines.append(ln)
            if until in ln:
                break
    finally:
        w.kill()
        w.wait()
    return lines


@T.test
def bulk_close_by_filter(t):
    p = Pcod(conf={"take-deadline": "600"})
    for acct in ("1234", "5678"):
        p.add_account(acct)
    p.call("operator.add", login="op1", role="operator", password=PASSWORDS["op1"])
    p.call("operator.add", login="sup1", role="supervisor",
           password=PASSWORDS["sup1"])
    panel_alarms(p, "1234", ["BA%03d" % z for z in range(1, 151)] + ["FA001"])
    panel_alarms(p, "5678", ["BA%03d" % z for z in range(1, 6)])
    flood(p, 100)
    t.eq(len(open_alarms(p)), 157, "150 + 1 + 5 alarms, and one for unknown accounts")
    op, sup = console(p, "op1"), console(p, "sup1")
    watcher = pt.Console(p)
    t.require(watcher.req("subscribe", {"topics": ["alarm"]}).get("ok"), "subscribe")
    flt = {"account": "1234", "class": "burglary", "resolution": "false_user"}
    r = op.req("alarm.close", flt)
    t.eq(err(r), "forbidden", "an operator may not close by filter")
    t.check("supervisor" in errmsg(r), "... and is told why", r)
    r = sup.req("alarm.close", {"resolution": "false_user"})
    t.eq(err(r), "bad_args", "an empty filter is refused")
    t.check("at least one filter" in errmsg(r), "... with a clear message", r)
    r = sup.req("alarm.close", dict(flt, id=1))
    t.eq(err(r), "bad_args", "an id and a filter together are refused")
    r = sup.req("alarm.close", dict(flt, state="closed"))
    t.eq(err(r), "bad_args", "state closed is not a filter")
    before = len(audit(p, action="subscribe"))
    w = subprocess.Popen([os.environ["PCOCTL"], "-s", p.sock_path, "alarm", "watch"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    t.require(pt.wait_for(lambda: len(audit(p, action="subscribe")) > before, 5),
              "pcoctl alarm watch subscribed")
    r = sup.req("alarm.close", dict(flt, note="walk test by the installer"))
    t.require(r.get("ok"), "supervisor closes by account and class", r)
    lines = watch_lines(w, "bulk_close")
    t.eq([x for x in lines if "bulk_close" in x or "state=closed" in x],
         ["alarm bulk_close closed=150 by=sup1"],
         "pcoctl alarm watch in a pipe: one summary line, not 150")
    t.eq(r["result"].get("closed"), 150, "the reply says how many were closed")
    t.eq(r["result"].get("filter"), {"account": "1234", "class": "burglary"},
         "and by which filter")
    rows = audit(p, action="alarm.close")
    t.eq(len(rows), 1, "one audit record for the whole bulk close")
    d = rows[0].get("details") or {} if rows else {}
    t.eq((rows[0]["actor"] if rows else None, d.get("count"), d.get("resolution")),
         ("sup1", 150, "false_user"), "the record names who, the count, the resolution")
    t.eq(rows[0].get("reason") if rows else None, "walk test by the installer",
         "and the note")
    left = open_alarms(p)
    t.eq(sorted((a["account"], a["class"]) for a in left),
         [("1234", "fire")] + [("5678", "burglary")] * 5 + [("unknown", "other")],
         "only the matching alarms were closed")
    closed = p.call("alarm.list", state="closed", limit=1000)
    t.check(len(closed) == 150 and all(a["closed_by"] == "sup1" and
                                       a["resolution"] == "false_user"
                                       for a in closed),
            "each closed alarm records who closed it and why")
    n = watcher.wait(lambda n: "bulk_close" in n.get("data", {}), timeout=5)
    t.check(n is not None and n["data"]["bulk_close"]["closed"] == 150,
            "consoles hear one summary, not 150 notifications", n)
    watcher.close()
    # The index forgot them: the next burglary raises a new alarm (a new
    # sequence number: the same seq and data again would be a retransmission).
    panel_alarms(p, "1234", ["BA001"], first_seq=500)
    t.eq(len(open_alarms(p)), 8, "a new event after the bulk close raises anew")
    # An operator still closes one alarm by id.
    a = [x for x in left if x["account"] == "5678"][0]
    t.check(op.req("alarm.take", {"id": a["id"]}).get("ok"), "operator takes one")
    r = op.req("alarm.close", {"id": a["id"], "resolution": "real"})
    t.check(r.get("ok") and r["result"].get("state") == "closed",
            "operator closes a single alarm by id", r)
    # pcoctl: the unknown-accounts alarm by class and account, then the rest.
    rc, out, errout = p.pcoctl("alarm", "close", "false_unknown", "--class", "other",
                               "--account", "unknown", "--note", "attack reported")
    t.check(rc == 0 and re.search(r"^closed +1$", out, re.M) and
            re.search(r"^filter.account +unknown$", out, re.M),
            "pcoctl alarm close RESOLUTION --class --account", (rc, out, errout))
    rc, out, errout = p.pcoctl("alarm", "close", "test", "--state", "new",
                               "--priority", "2", "--json")
    t.check(rc == 0 and '"closed":5' in out, "pcoctl alarm close --state --priority "
            "(the four 5678 alarms and the new 1234 one)", (rc, out, errout))
    rc, out, errout = p.pcoctl("alarm", "close", "--state", "new")
    t.eq(rc, 2, "pcoctl alarm close without a resolution: usage error")
    t.eq(len(audit(p, action="alarm.close")), 4,
         "audit: three bulk records and one single close")
    t.eq([(a["account"], a["class"]) for a in open_alarms(p)], [("1234", "fire")],
         "only the fire alarm is left")
    op.close()
    sup.close()



@T.test
def priority_is_configurable(t):
    p = Pcod(conf={"unknown-accounts-priority": "8"})
    with p.tcp() as panel:
        t.eq(panel.exchange(pt.sia(1, "ABCD", "Nri1/FA01")).token, "ACK",
             "a fire event from an unknown account is acknowledged")
    a = open_alarms(p)
    t.eq([(x["kind"], x["priority"], x["accounts_seen"]) for x in a],
         [("unknown_accounts", 8, 1)], "unknown-accounts-priority 8")
    t.eq(len(p.events(account="ABCD")), 1, "the event is stored")
    path = p.write_conf(conf={"unknown-accounts-priority": "0"},
                        path=os.path.join(p.dir, "bad.conf"))
    rc, errout = p.check_conf(path)
    t.check(rc == 1 and "unknown-accounts-priority: 0 out of range 1-9" in errout,
            "pcod -n refuses priority 0", errout)


if __name__ == "__main__":
    T.run()
