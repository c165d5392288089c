#!/usr/bin/python3
"""Supervision: link tests keep an account alive, silence raises a
communication failure, its return restores it, last_seen survives a restart."""

import time

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=100)

ACCT = "1234"
OTHER = "5678"
CONF = {"supervision-grace": "0"}


def err_code(r):
    return None if r.get("ok") else (r.get("error") or {}).get("code")


def set_interval(p, acct, interval, seconds=None):
    """Give acct a supervision interval: account.update if it exists, else
    (seconds) the database while pcod is stopped.  Returns how it was done."""
    r = p.ctl("account.update", {"account": acct, "supervision": interval})
    if r.get("ok"):
        return "account.update"
    if err_code(r) not in ("unknown_command", "bad_args"):
        raise pt.HardError("account.update: %r" % r)
    p.stop()
    p.sql("UPDATE accounts SET supervision_s = ? WHERE account = ?",
          seconds if seconds is not None else int(interval), acct)
    p.start()
    return "database"


def sup_row(p, acct):
    for row in p.call("supervision.list"):
        if row.get("account") == acct:
            return row
    return None


def link_test(p, seq, acct=ACCT):
    with p.tcp() as c:
        return c.exchange(pt.null(seq, acct)).token


def engine_present(p):
    return err_code(p.ctl("alarm.list", {})) != "unknown_command"


def comm_alarms(p, acct=ACCT):
    r = p.call("alarm.list", state="all")
    if isinstance(r, dict):
        r = r.get("alarms", [])
    return [a for a in r if a.get("kind") == "comm_fail" and a.get("account") == acct]


@T.test
def presets(t):
    p = Pcod(conf=dict(CONF), extra=["supervision-preset NIGHTLY 93600",
                                     "supervision-preset SP4 200"])
    pr = {x.get("name"): x.get("seconds") for x in p.call("supervision.presets")}
    want = {"SP2": 90000, "SP3": 1800, "SP5": 90, "SP6": 20,
            "DP1": 90000, "DP2": 1800, "DP3": 180, "DP4": 90}
    t.eq({k: pr.get(k) for k in want}, want, "built-in EN 50136-1 presets")
    t.eq(pr.get("SP4"), 200, "supervision-preset overrides a built-in")
    t.eq(pr.get("NIGHTLY"), 93600, "supervision-preset adds a preset")
    p.add_account(ACCT)
    r = p.ctl("account.update", {"account": ACCT, "supervision": "nightly"})
    if err_code(r) == "unknown_command":
        t.info("skip - account.update not there: preset names not checked")
        return
    t.check(r.get("ok"), "account.update --supervision NIGHTLY", r)
    row = sup_row(p, ACCT)
    t.eq((row or {}).get("interval"), 93600, "preset name resolved to its seconds")
    t.eq((row or {}).get("preset"), "NIGHTLY", "supervision.list names the preset")
    r = p.ctl("account.update", {"account": ACCT, "supervision": "SP9"})
    t.eq(err_code(r), "bad_args", "unknown preset -> bad_args")


@T.test
def silence_and_return(t):
    p = Pcod(conf=dict(CONF))
    p.add_account(ACCT)
    p.add_account(OTHER)
    how = set_interval(p, ACCT, "5")
    t.info("interval set through %s" % how)
    set_interval(p, OTHER, "3600")
    row = sup_row(p, ACCT)
    t.require(row is not None, "supervised account in supervision.list")
    t.eq(row.get("interval"), 5, "interval 5 s")
    t.eq(sup_row(p, OTHER).get("preset"), None, "3600 s matches no preset")
    real = engine_present(p)
    # Link tests every second for 7 s (longer than the interval) keep it alive.
    alive = True
    for i in range(7):
        t.require(link_test(p, i + 1) == "ACK", "link test %d acknowledged" % (i + 1))
        alive = alive and not sup_row(p, ACCT).get("silent")
        time.sleep(1)
    t.check(alive, "link tests keep the account alive past its interval")
    last = time.monotonic()
    t.require(link_test(p, 10) == "ACK", "last link test acknowledged")
    time.sleep(3)
    t.check(not sup_row(p, ACCT).get("silent"), "not silent 3 s after the last sign")
    t.eq(p.call("supervision.list", silent_only=True), [], "silent_only: none yet")
    silent = pt.wait_for(lambda: sup_row(p, ACCT).get("silent"), timeout=6)
    waited = time.monotonic() - last
    t.check(silent, "silent after its interval", sup_row(p, ACCT))
    t.check(4.9 <= waited <= 7.5, "silent on time (%.1f s after the last sign)" % waited)
    so = [r.get("account") for r in p.call("supervision.list", silent_only=True)]
    t.eq(so, [ACCT], "silent_only lists only the silent account")
    t.check(pt.wait_for(lambda: sup_row(p, ACCT).get("comm_fail"), timeout=3),
            "communication failure raised")
    if real:
        al = pt.wait_for(lambda: comm_alarms(p), timeout=3)
        t.eq(len(al), 1, "one comm_fail alarm in alarm.list")
        t.check(al and not al[0].get("restored"),
                "comm_fail alarm not restored while silent", al)
        time.sleep(2)
        t.eq(len(comm_alarms(p)), 1, "still one alarm (raised once, not every second)")
    else:
        t.info("skip - alarm engine not there: comm_fail alarm not checked")
    t.require(link_test(p, 11) == "ACK", "link test after the silence acknowledged")
    row = sup_row(p, ACCT)
    t.check(not row.get("silent") and not row.get("comm_fail"),
            "a link test ends the silence", row)
    if real:
        al = pt.wait_for(lambda: [a for a in comm_alarms(p) if a.get("restored")],
                         timeout=3)
        t.eq(len(al), 1, "comm_fail alarm marked restored")
        t.check(al and al[0].get("state") != "closed",
                "restore does not close the alarm")
    else:
        t.info("skip - alarm engine not there: restore not checked")


@T.test
def closing_comm_fail_keeps_supervision(t):
    """The attack: close the communication-failure alarm of a silent panel
    and hope it stays quiet.  It comes back one interval after the close."""
    p = Pcod(conf=dict(CONF))
    p.add_account(ACCT)
    set_interval(p, ACCT, "3")
    t.require(link_test(p, 1) == "ACK", "link test acknowledged")
    al = pt.wait_for(lambda: [a for a in comm_alarms(p) if a["state"] != "closed"],
                     timeout=8)
    t.require(al, "communication failure raised for the silent panel")
    first = al[0]["id"]
    r = p.ctl("alarm.close", {"id": first, "resolution": "false_technical",
                              "note": "acknowledged"})
    t.require(r.get("ok"), "alarm.close of the comm_fail alarm", r)
    closed = time.monotonic()
    sh = p.call("supervision.show", account=ACCT)
    t.check(sh.get("silent") and not sh.get("comm_fail"),
            "supervision.show: still silent, no open comm_fail alarm", sh)
    t.check(sh.get("next_alarm") is not None, "supervision.show: next_alarm set", sh)
    rc, out, _ = p.pcoctl("supervision", "show", ACCT)
    t.check(rc == 0 and "next_alarm" in out, "pcoctl supervision show", out)
    rc, out, _ = p.pcoctl("supervision", "list")
    t.check(rc == 0 and "NEXT_ALARM" in out, "pcoctl supervision list: NEXT_ALARM",
            out)
    again = pt.wait_for(lambda: [a for a in comm_alarms(p)
                                 if a["state"] != "closed"], timeout=8)
    waited = time.monotonic() - closed
    t.require(again, "a new comm_fail alarm while the panel stays silent")
    t.check(again[0]["id"] != first, "a new alarm, not the closed one", again)
    t.check(2.5 <= waited <= 5.5, "raised again an interval after the close "
            "(%.1f s)" % waited)
    t.check(pt.wait_for(lambda: p.call("supervision.show", account=ACCT)
                        .get("comm_fail"), timeout=3),
            "supervision.show: comm_fail again")
    # Reporting again restores it; closing the restored alarm ends it for good.
    t.require(link_test(p, 2) == "ACK", "the panel reports again")
    rest = pt.wait_for(lambda: [a for a in comm_alarms(p) if a.get("restored")
                                and a["state"] != "closed"], timeout=3)
    t.require(rest, "comm_fail alarm restored")
    t.require(p.ctl("alarm.close", {"id": rest[0]["id"],
                                    "resolution": "false_technical"}).get("ok"),
              "close the restored alarm")
    for i in range(4):
        t.require(link_test(p, 3 + i) == "ACK", "link test %d" % (3 + i))
        time.sleep(1)
    t.eq([a for a in comm_alarms(p) if a["state"] != "closed"], [],
         "a reporting panel raises nothing after its alarm was closed")


@T.test
def restart_keeps_last_seen(t):
    p = Pcod(conf=dict(CONF))
    p.add_account(ACCT)
    set_interval(p, ACCT, "8")
    t.require(link_test(p, 1) == "ACK", "link test acknowledged")
    time.sleep(1.5)
    t.require(link_test(p, 2) == "ACK", "second link test acknowledged")
    second = time.monotonic()
    before = sup_row(p, ACCT).get("last_seen")
    t.check(before is not None, "last_seen set", before)
    # Throttled persistence (8 s / 4 = 2 s): the timer writes the last one.
    time.sleep(2.5)
    ms = p.sql("SELECT last_seen_ms FROM accounts WHERE account = ?", ACCT)[0][0]
    t.check(ms is not None and abs(ms / 1000.0 - time.time()) < 10,
            "last_seen_ms stored in the accounts table", ms)
    t.eq(p.stop(), 0, "clean stop")
    p.start()
    t.eq(sup_row(p, ACCT).get("last_seen"), before, "last_seen survives a restart")
    # The silence counts from the stored sign of life, not from the restart.
    silent = pt.wait_for(lambda: sup_row(p, ACCT).get("silent"), timeout=10)
    waited = time.monotonic() - second
    t.check(silent, "silent after the restart without a new sign of life")
    t.check(waited < 9.8, "silent 8 s after the last sign, restart or not "
            "(%.1f s)" % waited)


@T.test
def unknown_account_and_args(t):
    p = Pcod(conf=dict(CONF))
    t.eq(err_code(p.ctl("supervision.show", {"account": "9999"})), "not_found",
         "supervision.show of an unknown account -> not_found")
    t.eq(err_code(p.ctl("supervision.list", {"silent_only": "yes"})), "bad_args",
         "silent_only must be a boolean")
    t.eq(p.call("supervision.list"), [], "nothing supervised: empty list")
    p.add_account(ACCT)
    set_interval(p, ACCT, "SP4", 180)
    sh = p.call("supervision.show", account=ACCT)
    t.eq((sh.get("interval"), sh.get("preset")), (180, "SP4/DP3"),
         "supervision.show: SP4 is 180 s, shared with DP3")


if __name__ == "__main__":
    T.run()
