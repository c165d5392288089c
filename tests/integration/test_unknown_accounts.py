#!/usr/bin/python3
"""Unknown accounts cannot flood the queue (issue 8, item 6), written as the
attack: thousands of spoofed UDP frames from many distinct unknown accounts
are all stored, but raise one low-priority "unknown accounts" alarm that
counts them and names the accounts; and a supervisor closes alarms in bulk
by filter, audited as one action."""

import os
import socket
import sqlite3
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


def flood(p, n=N):
    """n frames over UDP from spoofed accounts, WINDOW at a time; the ACKs
    per account (an ACK says the event is committed)."""
    acked = Counter()
    with p.udp(timeout=3) as u:
        for start in range(0, n, WINDOW):
            batch = range(start, min(n, start + WINDOW))
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
    db = sqlite3.connect("file:%s?mode=ro" % p.db_path, uri=True)
    try:
        return db.execute(q, args).fetchone()[0]
    finally:
        db.close()


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
    flood(p, 50)
    un = [x for x in open_alarms(p) if x["kind"] == "unknown_accounts"]
    t.eq(len(un), 1, "after a restart the flood still stacks onto the one alarm")
    t.eq(un[0]["count"] if un else None, total + 50, "and counts on")


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
