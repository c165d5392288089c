#!/usr/bin/python3
"""Operators, roles, auth.login, subscribe and the audit log, on the real daemon.

Consoles of another user are made by connecting from a forked child that has
dropped to uid 65534 (nobody) and handing the connected socket back to the
test over a socketpair: SO_PEERCRED keeps the credentials of the connect().
"""

import json
import os
import socket
import sqlite3

import pgcluster
import threading
import time

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=110)

NOBODY = 65534
PASSWORDS = {"op1": "operator-pass-1", "sup1": "supervisor-pass-1",
             "adm1": "admin-pass-0001"}
ROLES = {"op1": "operator", "sup1": "supervisor", "adm1": "admin"}


def err_code(r):
    return None if r.get("ok") else (r.get("error") or {}).get("code")



Console = pt.Console

def console_as(p, uid):
    """A Console connected by a process running as uid."""
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            parent.close()
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(p.sock_path)
            socket.send_fds(child, [b"x"], [s.fileno()])
            code = 0
        finally:
            os._exit(code)
    child.close()
    _, fds, _, _ = socket.recv_fds(parent, 16, 1)
    parent.close()
    os.waitpid(pid, 0)
    return Console(socket.socket(fileno=fds[0]))


def root_console(p):
    return Console(p.ctl_connect())


def start():
    """pcod with a control socket anyone may reach."""
    p = Pcod(conf={"control": '"pcod.sock" mode 0666'})
    os.chmod(p.dir, 0o711)
    return p


def add_operators(t, p):
    for login, role in ROLES.items():
        r = p.ctl("operator.add", {"login": login, "name": login.upper(),
                                   "role": role, "password": PASSWORDS[login]})
        t.check(r.get("ok") and r["result"].get("role") == role,
                "admin (root) adds %s as %s" % (login, role), r)


def login(c, who, password=None):
    return c.req("auth.login", {"login": who, "password": password or PASSWORDS[who]})


def audit(p, **args):
    args.setdefault("limit", 1000)
    return p.call("audit.list", **args)


@T.test
def operator_admin(t):
    p = start()
    add_operators(t, p)
    r = p.ctl("operator.list")
    lst = r.get("result") or []
    t.eq(sorted((o["login"], o["role"], o["disabled"]) for o in lst),
         [("adm1", "admin", False), ("op1", "operator", False),
          ("sup1", "supervisor", False)], "operator.list lists all three")
    t.check(all("pw_hash" not in o and "password" not in o for o in lst),
            "operator.list never shows a hash", lst)
    t.eq(err_code(p.ctl("operator.add", {"login": "op1", "role": "operator",
                                          "password": "0123456789"})), "exists",
         "operator.add twice -> exists")
    for args, what in [
            ({"login": "Bad Login", "role": "operator", "password": "0123456789"}, "bad login"),
            ({"login": "x" * 33, "role": "operator", "password": "0123456789"}, "long login"),
            ({"login": "pcod", "role": "operator", "password": "0123456789"}, "reserved login"),
            ({"login": "new1", "role": "none", "password": "0123456789"}, "role none"),
            ({"login": "new1", "role": "boss", "password": "0123456789"}, "unknown role"),
            ({"login": "new1", "role": "operator", "password": "012345678"}, "9-char password")]:
        t.eq(err_code(p.ctl("operator.add", args)), "bad_args", "operator.add: %s -> bad_args" % what)
    r = p.ctl("operator.add", {"login": "new1", "role": "operator",
                               "password": "0123456789\u0000x"})
    t.check(err_code(r) in ("bad_json", "bad_args"), "a password with NUL is refused", r)
    r = p.ctl("operator.update", {"login": "op1", "name": "Olga Operator"})
    t.eq((r.get("result") or {}).get("name"), "Olga Operator", "operator.update name")
    t.eq(err_code(p.ctl("operator.update", {"login": "op1"})), "bad_args",
         "operator.update with nothing to change -> bad_args")
    t.eq(err_code(p.ctl("operator.update", {"login": "nobody1", "disabled": True})),
         "not_found", "operator.update unknown -> not_found")
    t.eq(err_code(p.ctl("operator.passwd", {"login": "nobody1", "password": "0123456789ab"})),
         "not_found", "operator.passwd unknown -> not_found")
    t.eq(err_code(p.ctl("operator.remove", {"login": "op1"})), "unknown_command",
         "there is no operator.remove (disable instead)")
    h = p.sql("SELECT pw_hash FROM operators WHERE login = 'op1'")[0][0]
    t.check(h.startswith("$scrypt$ln=15,r=8,p=1$") and PASSWORDS["op1"] not in h,
            "stored password is a salted scrypt hash", h)


@T.test
def roles_and_login(t):
    p = start()
    add_operators(t, p)
    c = console_as(p, NOBODY)
    t.eq(c.req("auth.whoami").get("result"), {"actor": "uid:%d" % NOBODY, "role": "none"},
         "uid 65534 console starts as nobody")
    for cmd in ["status", "event.list", "alarm.list", "operator.list", "audit.list",
                "subscribe", "account.list"]:
        r = c.req(cmd)
        if err_code(r) == "unknown_command":
            t.info("%s not built yet: skipped" % cmd)
            continue
        t.eq(err_code(r), "forbidden", "not logged in: %s -> forbidden" % cmd)

    r = login(c, "op1", "not the password")
    t.eq((err_code(r), r["error"]["message"]), ("auth_failed", "login failed"),
         "wrong password -> auth_failed")
    msg_wrong = r["error"]["message"]
    r = login(c, "ghost", "whatever-password")
    t.eq((err_code(r), r["error"]["message"]), ("auth_failed", msg_wrong),
         "unknown login -> the same auth_failed")
    r = login(c, "op1")
    t.eq(r.get("result"), {"login": "op1", "name": "OP1", "role": "operator"},
         "auth.login as operator")
    t.eq(c.req("auth.whoami").get("result"), {"actor": "op1", "role": "operator"},
         "auth.whoami after login")
    t.check(c.req("status").get("ok"), "operator: status allowed")
    t.check(c.req("event.list").get("ok"), "operator: event.list allowed")
    r = c.req("alarm.list")
    t.check(r.get("ok") or err_code(r) == "unknown_command",
            "operator: alarm.list allowed (or not built yet)", r)
    r = c.req("site.add", {"name": "Shop by operator"})
    if err_code(r) == "unknown_command":
        t.info("site.add not built yet: role line skipped")
    else:
        t.eq(err_code(r), "forbidden", "operator: site.add forbidden")
    for cmd, args in [("operator.add", {"login": "x1", "role": "admin", "password": "0123456789"}),
                      ("operator.list", None), ("audit.list", None),
                      ("account.add", {"account": "9999"}), ("account.list", None),
                      ("operator.passwd", {"login": "sup1", "password": "0123456789"})]:
        t.eq(err_code(c.req(cmd, args)), "forbidden", "operator: %s forbidden" % cmd)

    r = c.req("operator.passwd", {"login": "op1", "password": "new-op1-password"})
    t.check(r.get("ok"), "operator changes his own password", r)
    t.eq(err_code(login(c, "op1")), "auth_failed", "old password no longer works")
    t.check(login(c, "op1", "new-op1-password").get("ok"), "new password works")
    PASSWORDS["op1"] = "new-op1-password"

    r = login(c, "sup1")
    t.eq((r.get("result") or {}).get("role"), "supervisor", "login replaces the actor")
    r = c.req("site.add", {"name": "Shop by supervisor"})
    if err_code(r) == "unknown_command":
        t.info("site.add not built yet: role line skipped")
    else:
        t.check(r.get("ok"), "supervisor: site.add allowed", r)
    t.check(c.req("audit.list").get("ok"), "supervisor: audit.list allowed")
    t.check(c.req("account.list").get("ok"), "supervisor: account.list allowed")
    t.eq(err_code(c.req("account.add", {"account": "9999"})), "forbidden",
         "supervisor: account.add forbidden")
    t.eq(err_code(c.req("operator.add", {"login": "x1", "role": "operator",
                                          "password": "0123456789"})),
         "forbidden", "supervisor: operator.add forbidden")

    t.check(login(c, "adm1").get("ok"), "login as admin")
    r = c.req("operator.add", {"login": "op2", "role": "operator", "password": "op2-password"})
    t.check(r.get("ok"), "admin operator adds an operator", r)
    t.check(c.req("operator.passwd", {"login": "op2", "password": "op2-password-b"}).get("ok"),
            "admin sets another operator's password")
    r = c.req("auth.logout")
    t.eq(r.get("result"), {"actor": "uid:%d" % NOBODY, "role": "none"},
         "auth.logout: back to nobody")
    t.eq(err_code(c.req("status")), "forbidden", "after logout: status forbidden")
    c.close()

    rc = root_console(p)
    t.check(login(rc, "op1").get("ok"), "root console logs in as op1")
    t.eq(err_code(rc.req("operator.list")), "forbidden", "root logged in as op1 is op1")
    t.eq(rc.req("auth.logout").get("result"), {"actor": "uid:0", "role": "admin"},
         "root console: logout gives admin back")
    rc.close()
    t.eq(p.stop(), 0, "pcod stops cleanly (hashing thread joined)")


@T.test
def disable_and_attempt_limit(t):
    p = start()
    add_operators(t, p)
    c = console_as(p, NOBODY)
    t.check(login(c, "op1").get("ok"), "op1 logs in")
    r = p.ctl("operator.update", {"login": "op1", "disabled": True})
    t.eq((r.get("result") or {}).get("disabled"), True, "admin disables op1")
    t.eq(err_code(c.req("status")), "forbidden", "op1's open session loses its role at once")
    r = login(c, "op1")
    t.eq((err_code(r), r["error"]["message"]), ("auth_failed", "login failed"),
         "disabled operator cannot log in (same auth_failed)")
    p.ctl("operator.update", {"login": "op1", "disabled": False})
    t.check(login(c, "op1").get("ok"), "re-enabled operator logs in")
    r = p.ctl("operator.update", {"login": "op1", "role": "supervisor"})
    t.check(c.req("audit.list").get("ok"), "role change applies to the open session")
    c.close()

    c = console_as(p, NOBODY)
    # After three failures sup1 backs off (login-backoff, see test_attack.py):
    # the attempts are refused unchecked, and still count on this console.
    codes = [err_code(login(c, "sup1", "wrong-%d" % i)) for i in range(4)]
    t.eq(codes, ["auth_failed"] * 3 + ["throttled"], "four failures answered")
    r = login(c, "sup1", "wrong-5")
    t.eq(err_code(r), "throttled", "fifth attempt answered")
    t.check(c.closed(), "console closed after %d failures" % 5)
    c.close()
    t.check("too many failed logins" in p.log(), "closing is logged")
    t.check("login failed for 'sup1'" in p.log() and "uid=%d" % NOBODY in p.log(),
            "failures logged with login and peer uid")


@T.test
def audit_log(t):
    p = start()
    add_operators(t, p)
    c = console_as(p, NOBODY)
    login(c, "op1", "wrong-password")
    login(c, "op1")
    c.req("auth.logout")
    c.close()
    p.ctl("operator.update", {"login": "sup1", "role": "admin"})
    p.ctl("operator.passwd", {"login": "sup1", "password": "another-password"})
    rows = audit(p)
    acts = [(r["actor"], r["action"], r["object_id"]) for r in rows]
    for want in [("uid:0", "operator.add", "op1"), ("uid:0", "operator.add", "sup1"),
                 ("?op1", "auth.fail", "op1"), ("op1", "auth.login", "op1"),
                 ("op1", "auth.logout", "op1"), ("uid:0", "operator.update", "sup1"),
                 ("uid:0", "operator.passwd", "sup1")]:
        t.check(want in acts, "audit has %s %s %s" % want, acts)
    t.eq([r["id"] for r in rows], sorted((r["id"] for r in rows), reverse=True),
         "audit.list is newest first")
    t.check(all(r["at"].endswith("Z") and "T" in r["at"] for r in rows),
            "audit rows carry an ISO time", rows[0])
    up = [r for r in rows if r["action"] == "operator.update"][0]
    t.eq(up.get("details"), {"role": "admin"}, "operator.update records the change")
    fail = [r for r in rows if r["action"] == "auth.fail"][0]
    t.eq((fail["reason"], fail["details"].get("uid")), ("wrong password", NOBODY),
         "a failed login records why and the peer uid")
    t.check(not any("password" in json.dumps(r.get("details")) or
                    PASSWORDS["op1"] in json.dumps(r) for r in rows),
            "no password or hash in the audit log")
    auth = audit(p, action="auth.")
    t.eq(sorted(set(r["action"] for r in auth)), ["auth.fail", "auth.login", "auth.logout"],
         "action 'auth.' filters by prefix")
    t.eq(set(r["actor"] for r in audit(p, actor="op1")), {"op1"}, "actor filter")
    t.eq(len(audit(p, object="operator", object_id="sup1")), 3,
         "object/object_id filter (add, update, passwd of sup1)")
    one = audit(p, limit=1)
    t.eq([r["id"] for r in one], [rows[0]["id"]], "limit 1 gives the newest")
    t.eq(audit(p, since=int(time.time()) + 3600), [], "since in the future: nothing")
    t.eq(len(audit(p, until=int(time.time()) + 3600)), len(rows), "until in the future: all")
    t.eq(err_code(p.ctl("audit.list", {"limit": 0})), "bad_args", "limit 0 -> bad_args")
    t.eq(err_code(p.ctl("audit.list", {"limit": 10001})), "bad_args", "limit 10001 -> bad_args")
    for cmd in ["audit.delete", "audit.update", "audit.clear", "audit.remove"]:
        t.eq(err_code(p.ctl(cmd, {})), "unknown_command", "%s does not exist" % cmd)

    n = p.sql("SELECT count(*) FROM audit")[0][0]
    for sql in ["UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"]:
        try:
            p.sql(sql)
            refused = None
        except (sqlite3.DatabaseError, pgcluster.SqlError) as e:
            refused = str(e)
        t.check(refused is not None and "append-only" in refused,
                "%s from outside pcod refused by the schema" % sql.split()[0], refused)
    t.eq(p.sql("SELECT count(*) FROM audit WHERE actor = 'mallory'")[0][0], 0,
         "no audit row was altered")
    t.eq(p.sql("SELECT count(*) FROM audit")[0][0], n, "no audit row was deleted")


@T.test
def pcoctl_login(t):
    p = start()
    add_operators(t, p)
    os.environ["PCOCTL_PASSWORD"] = PASSWORDS["sup1"]
    try:
        rc, out, err = p.pcoctl("-u", "sup1", "auth", "whoami", json_out=True)
        t.eq((rc, json.loads(out or "null")), (0, {"actor": "sup1", "role": "supervisor"}),
             "pcoctl -u sup1 with PCOCTL_PASSWORD logs in")
        rc, out, err = p.pcoctl("-u", "sup1", "audit", "list", "--action", "auth.", json_out=True)
        t.check(rc == 0 and any(r["actor"] == "sup1" and r["action"] == "auth.login"
                                for r in json.loads(out or "[]")),
                "pcoctl -u sup1 audit list shows its own login", (rc, out, err))
        rc, out, err = p.pcoctl("-u", "sup1", "operator", "list")
        t.check(rc == 1 and "forbidden" in err, "pcoctl -u sup1 operator list -> forbidden",
                (rc, out, err))
        # The session kept by the calls above would be reused (issue 12): end it.
        p.pcoctl("-u", "sup1", "logout")
        os.environ["PCOCTL_PASSWORD"] = "wrong password"
        rc, out, err = p.pcoctl("-u", "sup1", "status")
        t.check(rc == 1 and "auth_failed" in err, "pcoctl with a wrong password -> auth_failed",
                (rc, out, err))
    finally:
        del os.environ["PCOCTL_PASSWORD"]


@T.test
def subscribe_notifications(t):
    p = start()
    add_operators(t, p)
    c = console_as(p, NOBODY)
    t.eq(err_code(c.req("subscribe")), "forbidden", "subscribe needs a login")
    login(c, "op1")
    t.eq(err_code(c.req("subscribe", {"topics": ["alarms"]})), "bad_args",
         "subscribe to an unknown topic -> bad_args")
    r = c.req("subscribe", {"topics": ["alarm"]})
    t.eq(r.get("result"), {"topics": ["alarm"]}, "subscribe to alarm")
    r = c.req("subscribe")
    t.eq(r.get("result"), {"topics": ["alarm", "escalation", "system"]}, "subscribe (default: all)")
    quiet = root_console(p)   # connected, not subscribed
    p.add_account("1234")
    with p.tcp() as panel:
        a = panel.exchange(pt.sia(1, "1234", "Nri1/BA01"))
        t.eq(a.token, "ACK", "burglary event acknowledged")
    n = c.notification(5)
    if n is None and err_code(p.ctl("alarm.list")) == "unknown_command" or \
            n is None and p.ctl("alarm.list").get("result") == []:
        t.info("the alarm engine raises no alarm yet: notification checks skipped")
        return
    t.check(n is not None and n.get("notify") == "alarm" and isinstance(n.get("data"), dict),
            "subscribed console receives {notify: alarm, data: {...}}", n)
    if n is None:
        return
    aid = n["data"].get("id")
    lst = p.ctl("alarm.list").get("result") or []
    t.check(any(a.get("id") == aid for a in lst),
            "the notified alarm is already committed (visible to alarm.list)", (aid, lst))
    t.eq(quiet.notification(0.5), None, "an unsubscribed console gets nothing")
    r = c.req("alarm.take", {"id": aid})
    if r.get("ok"):
        rows = audit(p, action="alarm.take")
        t.check(any(x["actor"] == "op1" for x in rows), "alarm.take by op1 is in the audit log",
                rows)
    t.check(c.req("unsubscribe").get("result") == {"topics": []}, "unsubscribe (all)")
    c.notes.clear()
    with p.tcp() as panel:
        panel.exchange(pt.sia(2, "1234", "Nri2/FA02"))
    t.eq(c.notification(1.0), None, "no notification after unsubscribe")
    t.check(any(r["action"] == "subscribe" and r["actor"] == "op1" for r in audit(p)),
            "subscribe is in the audit log")
    quiet.close()
    c.close()


@T.test
def slow_subscriber_is_dropped(t):
    p = Pcod(conf={"log-level": "info"})
    # Enrolled: unknown accounts would all stack onto one alarm.
    for i in range(31):
        p.add_account("1%03X" % i)
    c = root_console(p)
    t.check(c.req("subscribe").get("ok"), "root console subscribes, then stops reading")
    if err_code(p.ctl("alarm.list")) == "unknown_command":
        t.info("no alarm engine yet: skipped")
        return
    panel = p.tcp()
    acks = [0]

    def drain():
        try:
            while True:
                d = panel.sock.recv(65536)
                if not d:
                    break
                acks[0] += d.count(b"\r")
        except OSError:
            pass
    th = threading.Thread(target=drain, daemon=True)
    th.start()
    n = 3000   # ~1.5 MB of notifications: far beyond the console's bound
    # A new account every 99 frames: each frame raises a new alarm, and a
    # new alarm is published at once (stacking is rate-limited per alarm).
    panel.sock.sendall(b"".join(pt.sia(i % 9999 + 1, "1%03X" % (i // 99),
                                       "Nri1/BA%02d" % (i % 99 + 1))
                                for i in range(n)))
    pt.wait_for(lambda: acks[0] >= n, timeout=30)
    t.eq(acks[0], n, "every frame acknowledged while a console does not read")
    t.check(pt.wait_for(lambda: "subscriptions dropped" in p.log(), timeout=5),
            "the backed-up console's subscription is dropped (logged)")
    lines = []
    while True:
        o = c.notification(2)
        if o is None:
            break
        lines.append(o)
    t.check(len(lines) < n, "the console got far fewer notifications than alarms changed",
            len(lines))
    t.eq(lines[-1] if lines else None,
         {"notify": "subscription", "data": {"dropped": True, "reason": "console not reading"}},
         "the last thing it gets says the subscription was dropped")
    t.check(c.req("auth.whoami").get("ok"), "the console itself stays usable")
    panel.close()


T.run()
