#!/usr/bin/python3
"""The control socket under attack, on the real daemon (issue 8, items 1 and 2).

Written as the attack: strangers hold the console slots with idle
connections, one user opens as many as he can, and a guesser tries passwords
over fresh connections.  Consoles of another user are made as in
test_operators.py: a forked child drops to that uid, connects, and hands the
sockets back over a socketpair (SO_PEERCRED keeps the connect()'s uid).
"""

import json
import os
import select
import signal
import socket
import time

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=100)

NOBODY = 65534
OTHER = 65533
PASSWORDS = {"op1": "operator-pass-1", "sup1": "supervisor-pass-1"}
ROLES = {"op1": "operator", "sup1": "supervisor"}
# pcod never holds a login back: a throttled one is refused.  "Without delay"
# is "answered ok", in the time one password check takes on a busy machine.
SLOW = 3.0


def err_code(r):
    return None if r.get("ok") else (r.get("error") or {}).get("code")


def start(conf=None):
    """pcod with a control socket anyone may reach, and our operators."""
    c = {"control": '"pcod.sock" mode 0666'}
    c.update(conf or {})
    p = Pcod(conf=c)
    os.chmod(p.dir, 0o711)
    for login, role in ROLES.items():
        p.call("operator.add", login=login, role=role, password=PASSWORDS[login])
    return p


def sockets_as(p, uid, n):
    """n control connections made by a process running as uid."""
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            parent.close()
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for i in range(0, n, 50):
                batch = []
                for _ in range(min(50, n - i)):
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(p.sock_path)
                    batch.append(s)
                socket.send_fds(child, [b"x"], [s.fileno() for s in batch])
                for s in batch:
                    s.close()
            code = 0
        finally:
            os._exit(code)
    child.close()
    out = []
    while len(out) < n:
        _, fds, _, _ = socket.recv_fds(parent, 16, 50)
        if not fds:
            break
        out.extend(socket.socket(fileno=fd) for fd in fds)
    parent.close()
    os.waitpid(pid, 0)
    return out


def console_as(p, uid):
    return pt.Console(sockets_as(p, uid, 1)[0])


def drain(socks, timeout):
    """Read every socket until EOF or timeout: {sock: (bytes, eof)}."""
    got = {s: [b"", False] for s in socks}
    deadline = time.monotonic() + timeout
    while True:
        live = [s for s in socks if not got[s][1]]
        left = deadline - time.monotonic()
        if not live or left <= 0:
            break
        r, _, _ = select.select(live, [], [], min(left, 0.2))
        for s in r:
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if d:
                got[s][0] += d
            else:
                got[s][1] = True
    return got


def first_error(data):
    """The error object of the first line in data, or None."""
    if b"\n" not in data:
        return None
    return json.loads(data.split(b"\n", 1)[0]).get("error")


def control_counters(p):
    return p.counters()["control"]


def guess(p, uid, login, password):
    """One auth.login on a fresh connection (reconnecting is free): (reply, s)."""
    c = console_as(p, uid) if uid != 0 else pt.Console(p.ctl_connect())
    t0 = time.monotonic()
    r = c.req("auth.login", {"login": login, "password": password})
    dt = time.monotonic() - t0
    c.close()
    return r, dt


@T.test
def idle_strangers_cannot_hold_the_slots(t):
    p = start({"control-auth-timeout": "3", "control-max-per-uid": "1000"})
    p._ctl_close()      # root's set-up console: all 64 slots are free
    time.sleep(0.2)
    socks = sockets_as(p, NOBODY, 100)
    t.eq(len(socks), 100, "a stranger opens 100 console connections")
    got = drain(socks, 0.7)
    refused = [s for s in socks if got[s][1]]
    held = [s for s in socks if not got[s][1]]
    t.eq(len(held), 60, "60 are let in: the last 4 of 64 slots are kept for root")
    errs = [first_error(got[s][0]) for s in refused]
    t.check(len(refused) == 40 and all(e and e["code"] == "busy" and "reserved" in e["message"]
                                       for e in errs),
            "the other 40 are told busy (rest reserved for root) and closed", errs[:2])
    t0 = time.monotonic()
    st = p.status()
    t.check(st is not None and time.monotonic() - t0 < SLOW,
            "root still gets status at once while strangers hold the slots")
    roots = [pt.Console(p.ctl_connect()) for _ in range(3)]
    t.check(all(c.req("auth.whoami").get("ok") for c in roots),
            "root fills the reserved slots")
    extra = pt.Console(p.ctl_connect())
    t.eq(err_code(extra._line(3)), "busy", "beyond 64 even root is told busy")
    extra.close()
    t.eq(control_counters(p)["refused"], 41, "status counts every refusal")
    got = drain(held, 8)
    errs = [first_error(got[s][0]) for s in held]
    t.check(all(got[s][1] for s in held), "after control-auth-timeout every idle stranger "
            "is closed", sum(1 for s in held if not got[s][1]))
    t.check(all(e and e["code"] == "auth_timeout" for e in errs),
            "each is told auth_timeout first", errs[:2])
    t.eq(control_counters(p)["auth_timeouts"], 60, "status counts the timeouts")
    for c in roots:
        t.check(c.req("auth.whoami").get("ok"), "root's consoles are never timed out")
    c = console_as(p, NOBODY)
    t.eq(c.req("auth.whoami").get("result"), {"actor": "uid:%d" % NOBODY, "role": "none"},
         "the freed slots take new consoles")
    log = p.log()
    lines = [ln for ln in log.splitlines()
             if "refused a console" in ln or "uid=%d" % NOBODY in ln]
    t.check(0 < len(lines) <= 160, "161 refusals, connections and timeouts of strangers "
            "are logged within the limit of every connection line (50 a second)",
            len(lines))
    t.check("line(s) not logged in the last second" in log,
            "with the number suppressed")
    for s in socks:
        s.close()


@T.test
def one_user_gets_a_share(t):
    p = start({"control-auth-timeout": "2"})
    socks = sockets_as(p, NOBODY, 12)
    got = drain(socks, 0.7)
    refused = [first_error(got[s][0]) for s in socks if got[s][1]]
    t.check(len(refused) == 4 and all(e and e["code"] == "busy" and
                                      "from uid %d" % NOBODY in e["message"] for e in refused),
            "control-max-per-uid 8: the 9th to 12th console of one uid are refused", refused)
    other = console_as(p, OTHER)
    t.check(other.req("auth.whoami").get("ok"), "another uid still gets in")
    t.check(p.status() is not None, "root gets status")
    for s in socks:
        s.close()
    other.close()
    c = console_as(p, NOBODY)
    t.check(c.req("auth.login", {"login": "op1", "password": PASSWORDS["op1"]}).get("ok"),
            "a stranger logs in as op1 in time")
    idle = console_as(p, NOBODY)
    time.sleep(2.6)
    t.check(c.req("status").get("ok"), "a logged-in console is not timed out")
    got = drain([idle.sock], 4)
    t.check(got[idle.sock][1], "an idle stranger beside it is")
    t.check(c.req("auth.logout").get("ok"), "op1 logs out")
    got = drain([c.sock], 6)
    t.check(got[c.sock][1] and first_error(got[c.sock][0])["code"] == "auth_timeout",
            "after logout the timeout runs again", got[c.sock])
    t.check("not logged in within 2 s" in p.log(), "the close is logged with its reason")


@T.test
def limits_follow_reload(t):
    p = start()
    p.write_conf({"control": '"pcod.sock" mode 0666', "control-max-per-uid": "2",
                  "login-backoff": "1 30 60"})
    p.send_signal(signal.SIGHUP)
    t.check(pt.wait_for(lambda: "reloaded" in p.log(), timeout=5), "SIGHUP reloads")
    socks = sockets_as(p, NOBODY, 3)
    got = drain(socks, 0.7)
    t.eq(sum(1 for s in socks if got[s][1]), 1, "control-max-per-uid 2 applies at once")
    for s in socks:
        s.close()
    t.eq(err_code(guess(p, NOBODY, "op1", "guess-1")[0]), "auth_failed", "one failure ...")
    r, _ = guess(p, NOBODY, "op1", "guess-2")
    t.check(err_code(r) == "throttled" and "in 30 s" in r["error"]["message"],
            "... and login-backoff 1 30 60 applies at once", r)


@T.test
def password_guessing(t):
    p = start({"login-backoff": "3 2 60", "login-lockout": "5 30", "login-audit": "100 60"})
    w = pt.Console(p.ctl_connect())
    t.check(w.req("subscribe", {"topics": ["system"]}).get("ok"), "root watches topic system")
    replies = [guess(p, NOBODY, "op1", "guess-%d" % i)[0] for i in range(6)]
    t.eq([err_code(r) for r in replies], ["auth_failed"] * 3 + ["throttled"] * 3,
         "6 quick guesses over 6 connections: 3 checked, then throttled")
    cnt = control_counters(p)
    t.eq((cnt["login_failures"], cnt["login_throttled"]), (3, 3),
         "throttled guesses are refused without checking the password")
    r = replies[3]
    t.check("try again in 2 s" in r["error"]["message"], "the reply says when", r)
    time.sleep(2.1)
    t.eq(err_code(guess(p, NOBODY, "op1", "guess-8")[0]), "auth_failed",
         "after the wait one more guess is checked")
    r, _ = guess(p, NOBODY, "op1", "guess-9")
    t.check(err_code(r) == "throttled" and "try again in 4 s" in r["error"]["message"],
            "and the next wait doubles", r)
    t0 = time.monotonic()
    r, dt = guess(p, 0, "sup1", PASSWORDS["sup1"])
    t.check(r.get("ok") and dt < SLOW, "meanwhile root logs in as sup1 without delay",
            repr((r, dt)))
    r, dt = guess(p, OTHER, "sup1", PASSWORDS["sup1"])
    t.check(r.get("ok") and dt < SLOW, "and another user logs in as sup1 without delay",
            repr((r, dt)))
    time.sleep(max(0, 4.1 - (time.monotonic() - t0)))
    t.eq(err_code(guess(p, NOBODY, "op1", "guess-10")[0]), "auth_failed",
         "the 5th failure is answered")
    r, _ = guess(p, NOBODY, "op1", PASSWORDS["op1"])
    t.eq(err_code(r), "locked", "then op1 is locked out, even with the right password")
    t.eq(err_code(guess(p, NOBODY, "sup1", "guess-11")[0]), "locked",
         "and so is the guessing uid, for every name")
    r, dt = guess(p, OTHER, "sup1", PASSWORDS["sup1"])
    t.check(r.get("ok") and dt < SLOW, "another user's login to sup1 is still not delayed",
            repr((r, dt)))
    n = w.wait(lambda n: n.get("notify") == "system" and n["data"].get("kind") == "login", 5)
    t.check(n is not None and "login op1" in n["data"]["locked"] and
            "uid %d" % NOBODY in n["data"]["locked"] and n["data"]["failures"] == 5,
            "a system notice tells the consoles what is locked and until when", n)
    al = [a for a in p.call("alarm.list", state="open") if a.get("kind") == "system"]
    t.check(len(al) == 1 and "Logins locked out" in al[0].get("text", ""),
            "the lock-out is on record as a system alarm", al)
    rows = p.call("audit.list", action="auth.lock")
    t.check(len(rows) == 1 and rows[0]["object_id"] == "op1" and
            rows[0]["details"].get("failures") == 5 and rows[0]["details"].get("until"),
            "the lock-out is audited (auth.lock) with the count and the end", rows)
    t.check(control_counters(p)["login_lockouts"] == 2, "status counts both lock-outs",
            control_counters(p))
    t.check("locked out after 5 failed logins" in p.log(), "the lock-out is logged")
    # The real op1 is locked out by the attack: an admin lifts it.
    t.eq(err_code(p.ctl("auth.unlock", {"login": "sup1"})), "not_found",
         "auth.unlock of a name nobody attacked -> not_found")
    t.eq(err_code(p.ctl("auth.unlock", {})), "bad_args", "auth.unlock needs login or uid")
    r = p.ctl("auth.unlock", {"login": "op1"})
    t.eq(r.get("result"), {"login": "op1", "uid": None, "address": None},
         "root lifts op1's lock-out")
    r, _ = guess(p, OTHER, "op1", PASSWORDS["op1"])
    t.check(r.get("ok"), "op1 logs in again from his own uid", r)
    t.eq(err_code(guess(p, NOBODY, "op1", PASSWORDS["op1"])[0]), "locked",
         "the guessing uid stays locked out")
    rc, out, err = p.pcoctl("auth", "unlock", "--uid", str(NOBODY))
    t.check(rc == 0, "pcoctl auth unlock --uid lifts the uid's", (rc, out, err))
    t.check(guess(p, NOBODY, "op1", PASSWORDS["op1"])[0].get("ok"), "then that uid gets in")
    rows = p.call("audit.list", action="auth.unlock")
    t.eq(sorted(r["object_id"] for r in rows), ["op1", "uid:%d" % NOBODY],
         "each lifting is audited")


@T.test
def guessing_storm_is_summarised(t):
    p = start({"login-backoff": "3 4 60", "login-lockout": "100000 1", "login-audit": "3 15"})
    codes = [err_code(guess(p, NOBODY, "ghost", "guess-%d" % i)[0]) for i in range(3)]
    t3 = time.monotonic()     # just after the third failure
    codes += [err_code(guess(p, NOBODY, "ghost", "guess-%d" % i)[0]) for i in range(3, 9)]
    t.eq(codes, ["auth_failed"] * 3 + ["throttled"] * 6,
         "9 guesses on a name that does not exist: 3 checked")
    time.sleep(max(0, 4.1 - (time.monotonic() - t3)))
    t.eq(err_code(guess(p, NOBODY, "ghost", "guess-9")[0]), "auth_failed",
         "one more checked after the wait")
    rows = []
    pt.wait_for(lambda: rows.extend(p.call("audit.list", action="auth.fail.summary",
                                           object_id="ghost")) or rows, timeout=20)
    t.check(len(rows) == 1 and rows[0]["details"].get("failures") == 1 and
            rows[0]["details"].get("refused") == 6 and rows[0]["actor"] == "?ghost",
            "one summary row stands for the storm: 1 failure and 6 refusals", rows)
    one = p.call("audit.list", action="auth.fail", object_id="ghost")
    t.eq(len(one), 3, "the first 3 failures are audited one by one (login-audit 3 15)")
    t.check(len(p.call("audit.list", object_id="ghost")) == 4,
            "4 audit rows for 10 attempts, not 10")
    r, _ = guess(p, 0, "op1", "wrong-password")
    t.eq(err_code(r), "auth_failed", "a failure on another name ...")
    t.eq(len(p.call("audit.list", action="auth.fail", object_id="op1")), 1,
         "... is audited on its own")
    # Summaries still open at shutdown are written before pcod stops.
    for i in range(6):
        guess(p, 0, "late", "guess-%d" % i)
    t.eq(p.stop(), 0, "pcod stops cleanly")
    p.start()
    rows = p.call("audit.list", action="auth.fail.summary", object_id="late")
    t.check(len(rows) == 1 and rows[0]["details"]["refused"] == 3,
            "a storm cut short by a stop is summarised all the same", rows)


T.run()
