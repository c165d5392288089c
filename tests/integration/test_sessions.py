#!/usr/bin/python3
"""Console sessions (issue 12): auth.login {session: true} hands out a
token; pcoctl keeps it (0600, in the runtime directory) and reuses it, so
several calls make one login; an expired, revoked, forged or wrong token is
refused (and wrong ones are throttled like failed logins); pcoctl never reads
a password from a closed stdin without PCOCTL_PASSWORD."""

import hashlib
import json
import os
import re
import socket
import stat
import subprocess
import tempfile
import time

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=150)

PW = "operator-pass-1"
Console = pt.Console


def start(conf=None):
    c = {"control": '"pcod.sock" mode 0666'}
    c.update(conf or {})
    p = Pcod(conf=c)
    os.chmod(p.dir, 0o711)
    p.call("operator.add", login="op1", name="Op One", role="operator", password=PW)
    p.call("operator.add", login="adm1", name="Adm", role="admin",
           password="admin-pass-0001")
    return p


def pcoctl(p, run, *argv, password=None, stdin=subprocess.DEVNULL, json_out=False):
    e = {k: v for k, v in os.environ.items() if k != "PCOCTL_PASSWORD"}
    e["XDG_RUNTIME_DIR"] = run
    if password is not None:
        e["PCOCTL_PASSWORD"] = password
    cmd = [os.environ["PCOCTL"], "-s", p.sock_path] + (["--json"] if json_out else [])
    r = subprocess.run(cmd + list(argv), stdin=stdin, capture_output=True, timeout=20,
                       env=e, start_new_session=True)
    return r.returncode, r.stdout.decode("utf-8", "replace"), \
        r.stderr.decode("utf-8", "replace")


def audit(p, action, login="op1"):
    return [r for r in p.call("audit.list", action=action, limit=1000)
            if r.get("object_id") == login]


def token_files(run):
    d = os.path.join(run, "pcoctl")
    return [os.path.join(d, f) for f in os.listdir(d)] if os.path.isdir(d) else []


def db_rows(p, sql):
    return p.sql(sql)


def pcod_alive(p):
    return p.running() and Console(p).req("auth.whoami").get("ok")


def login_token(c, login="op1", password=PW):
    r = c.req("auth.login", {"login": login, "password": password, "session": True})
    assert r.get("ok"), r
    return r["result"]["session"]


@T.test
def token_reused(t):
    p = start()
    run = tempfile.mkdtemp(prefix="pcosess.")
    for i, argv in enumerate([("auth", "whoami"), ("alarm", "list"), ("status",),
                              ("auth", "whoami"), ("alarm", "list"), ("event", "list")]):
        rc, out, err = pcoctl(p, run, "-u", "op1", *argv, password=PW)
        t.check(rc == 0 or "forbidden" in err, "call %d (%s) works" % (i, " ".join(argv)),
                (rc, out, err))
    t.eq(len(audit(p, "auth.login")), 1, "six pcoctl calls: one login audit row")
    t.eq(len(audit(p, "auth.resume")), 5, "and five resumes of its session")
    files = token_files(run)
    t.require(len(files) == 1, "one token file for the socket and login", files)
    st = os.stat(files[0])
    t.eq(stat.S_IMODE(st.st_mode), 0o600, "token file mode 0600")
    t.eq(stat.S_IMODE(os.stat(os.path.dirname(files[0])).st_mode), 0o700,
         "its directory 0700")
    t.check(os.path.basename(files[0]).startswith("op1-"), "named by the login",
            files[0])
    tok = open(files[0]).read().strip()
    t.check(re.fullmatch(r"[0-9a-f]{64}", tok) is not None, "32 random bytes in hex")
    rows = db_rows(p, "SELECT token_hash FROM sessions")
    t.eq(rows, [(hashlib.sha256(tok.encode()).hexdigest(),)],
         "the database keeps only the token's SHA-256")
    t.check(tok not in p.log(), "the token is not in pcod's log")
    t.check(all(tok not in json.dumps(r) for r in p.call("audit.list", limit=1000)),
            "nor in the audit log")
    # the kept session needs no password, even a wrong one
    rc, out, err = pcoctl(p, run, "-u", "op1", "auth", "whoami", password="wrong-password")
    t.check(rc == 0 and "op1" in out, "the session is used before any password",
            (rc, out, err))
    rc, out, err = pcoctl(p, run, "-u", "op1", "auth", "whoami")
    t.check(rc == 0 and "op1" in out, "no PCOCTL_PASSWORD, stdin closed: the session "
            "still works", (rc, out, err))
    # logout ends it on pcod and here
    rc, out, err = pcoctl(p, run, "-u", "op1", "logout")
    t.check(rc == 0 and "session ended" in out, "pcoctl logout", (rc, out, err))
    t.eq(token_files(run), [], "the token file is gone")
    t.eq(db_rows(p, "SELECT count(*) FROM sessions"), [(0,)], "the session row is gone")
    t.eq(len(audit(p, "auth.logout")), 1, "the logout is audited")
    c = Console(p)
    r = c.req("auth.resume", {"token": tok})
    t.eq((r.get("ok"), (r.get("error") or {}).get("code")), (False, "auth_failed"),
         "the logged-out token is refused")
    rc, out, err = pcoctl(p, run, "-u", "op1", "auth", "whoami", password="wrong-password")
    t.check(rc == 1 and "auth_failed" in err, "after logout the password counts again",
            (rc, out, err))
    rc, out, err = pcoctl(p, run, "-u", "op1", "logout")
    t.check(rc == 0 and "no session" in out, "logout with none kept says so", (rc, out, err))


@T.test
def expired_refused(t):
    p = start({"session-timeout": "2"})
    run = tempfile.mkdtemp(prefix="pcosess.")
    c = Console(p)
    s = login_token(c)
    t.check(s.get("timeout") == 2 and s.get("expires", "").endswith("Z"),
            "the session's expiry and timeout come with the token", s)
    rc, out, err = pcoctl(p, run, "-u", "op1", "auth", "whoami", password=PW)
    t.require(rc == 0, "pcoctl logs in and keeps a session", (rc, out, err))
    time.sleep(1.2)
    rc, out, err = pcoctl(p, run, "-u", "op1", "auth", "whoami")
    t.check(rc == 0, "used within the idle timeout: still valid", (rc, out, err))
    time.sleep(1.2)
    rc, out, err = pcoctl(p, run, "-u", "op1", "auth", "whoami")
    t.check(rc == 0, "each use extends it (idle expiry)", (rc, out, err))
    time.sleep(2.5)
    c2 = Console(p)
    r = c2.req("auth.resume", {"token": s["token"]})
    t.eq((r.get("ok"), (r.get("error") or {}).get("code")), (False, "auth_failed"),
         "an expired token is refused")
    t.check(any(a.get("reason") == "session expired" for a in audit(p, "auth.fail")),
            "and audited as expired", audit(p, "auth.fail"))
    rc, out, err = pcoctl(p, run, "-u", "op1", "auth", "whoami")
    t.check(rc == 1 and "PCOCTL_PASSWORD" in err,
            "expired and no password at hand: pcoctl says how to log in", (rc, out, err))
    rc, out, err = pcoctl(p, run, "-u", "op1", "auth", "whoami", password=PW)
    t.check(rc == 0 and "op1" in out, "falls back to the password when refused",
            (rc, out, err))
    t.eq(len(audit(p, "auth.login")), 3, "logins: the console's, pcoctl's first, the "
         "fallback")


@T.test
def forged_tokens_refused_and_throttled(t):
    p = start({"login-backoff": "3 30 300"})
    c = Console(p)
    good = login_token(c)["token"]
    forged = [good[:-1] + ("0" if good[-1] != "0" else "1"), "0" * 64, "zz" * 32,
              good.upper(), good + "00", "x"]
    codes = []
    for tok in forged:
        r = Console(p).req("auth.resume", {"token": tok})
        codes.append((r.get("error") or {}).get("code"))
    t.check(codes[:3] == ["auth_failed"] * 3,
            "forged tokens refused like a wrong password", codes)
    t.check("throttled" in codes[3:], "then throttled like failed logins", codes)
    c2 = Console(p)
    for args, want in (({"token": [5]}, "bad_args"), ({"token": ""}, "bad_args"),
                       ({"token": "a" * 129}, "bad_args"), ({}, "bad_args"),
                       ({"token": good, "x": 1}, "bad_args")):
        r = c2.req("auth.resume", args)
        t.eq((r.get("error") or {}).get("code"), want, "auth.resume %r -> %s" % (
            {k: (v[:8] + "..." if isinstance(v, str) and len(v) > 8 else v)
             for k, v in args.items()}, want))
    r = Console(p).req("auth.resume", {"token": good[:10] + "\u0000" + good[11:]})
    t.check(not r.get("ok"), "a token with a NUL is refused", r)
    r = Console(p).req("auth.login", {"login": "op1", "password": PW, "session": "yes"})
    t.eq((r.get("error") or {}).get("code"), "bad_args", "session must be a boolean")
    r = Console(p).req("auth.login", {"login": "op1", "password": PW, "session": False})
    t.check(r.get("ok") and "session" not in r["result"], "session false: no token", r)
    t.check(pt.wait_for(lambda: pcod_alive(p), 1), "pcod survived all of it")
    fails = [r for r in p.call("audit.list", action="auth.fail", limit=1000)
             if r.get("reason") == "unknown session"]
    t.check(len(fails) >= 3, "the failures are audited as unknown sessions", fails)


def console_as(p, uid):
    """A Console opened by a child process running as uid."""
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


@T.test
def wrong_tokens_throttle_the_source(t):
    if os.geteuid() != 0:
        print("# not root: cannot open a console as another uid; skipped")
        return
    p = start({"login-backoff": "2 30 300"})
    good = login_token(Console(p))["token"]
    codes = []
    for i in range(4):
        c = console_as(p, 65534)
        r = c.req("auth.resume", {"token": "%064x" % (i + 1)})
        codes.append((r.get("error") or {}).get("code"))
        c.close()
    t.check(codes[:2] == ["auth_failed", "auth_failed"] and codes[-1] == "throttled",
            "wrong tokens from uid 65534: refused, then throttled", codes)
    c = console_as(p, 65534)
    r = c.req("auth.resume", {"token": good})
    t.eq((r.get("error") or {}).get("code"), "throttled",
         "a throttled source cannot use even a good token meanwhile")
    r = Console(p).req("auth.resume", {"token": good})
    t.check(r.get("ok") and r["result"]["login"] == "op1",
            "the same token from another (root) console works", r)
    t.check(r["result"]["session"]["token"] is None,
            "a resume does not hand the token out again", r)


@T.test
def revoked_by_disable_and_passwd(t):
    p = start()
    tok = login_token(Console(p))["token"]
    r = Console(p).req("auth.resume", {"token": tok})
    t.check(r.get("ok"), "the token works", r)
    p.call("operator.passwd", login="op1", password="another-pass-2")
    r = Console(p).req("auth.resume", {"token": tok})
    t.eq((r.get("error") or {}).get("code"), "auth_failed",
         "a password change ends the operator's sessions")
    tok = login_token(Console(p), password="another-pass-2")["token"]
    held = Console(p)
    t.check(held.req("auth.resume", {"token": tok}).get("ok"), "a new session works")
    p.call("operator.update", login="op1", disabled=True)
    r = Console(p).req("auth.resume", {"token": tok})
    t.eq((r.get("error") or {}).get("code"), "auth_failed", "disabling ends them too")
    t.eq(db_rows(p, "SELECT count(*) FROM sessions s JOIN operators o ON"
                    " o.id = s.operator_id WHERE o.login = 'op1'"), [(0,)],
         "no session of op1 is left")
    who = held.req("auth.whoami")
    t.check(who.get("result", {}).get("actor") != "op1", "the console already resumed "
            "is op1 no more after the disable (back to its own uid)", who)
    # Sessions survive a restart of pcod.
    tok = login_token(Console(p), "adm1", "admin-pass-0001")["token"]
    p.restart()
    r = Console(p).req("auth.resume", {"token": tok})
    t.check(r.get("ok") and r["result"]["role"] == "admin", "a session survives a restart",
            r)
    r = Console(p).req("auth.logout", {"token": tok})
    t.check(r.get("ok") and r["result"]["revoked"] is True, "auth.logout {token} ends it", r)
    r = Console(p).req("auth.logout", {"token": tok})
    t.check(r.get("ok") and r["result"]["revoked"] is False, "twice: nothing to end", r)


@T.test
def no_password_from_closed_stdin(t):
    p = start()
    run = tempfile.mkdtemp(prefix="pcosess.")
    for name, stdin in (("</dev/null", subprocess.DEVNULL),
                        ("a pipe", subprocess.PIPE)):
        rc, out, err = pcoctl(p, run, "-u", "op1", "auth", "whoami", stdin=stdin)
        t.check(rc == 1 and "not a terminal" in err and "PCOCTL_PASSWORD" in err,
                "stdin %s, no PCOCTL_PASSWORD: exit 1 with a message" % name, (rc, out, err))
    # stdin closed altogether
    e = {k: v for k, v in os.environ.items() if k != "PCOCTL_PASSWORD"}
    e["XDG_RUNTIME_DIR"] = run
    r = subprocess.run("exec %s -s %s -u op1 auth whoami <&-" % (os.environ["PCOCTL"],
                                                                  p.sock_path),
                       shell=True, capture_output=True, env=e, timeout=20,
                       start_new_session=True)
    t.check(r.returncode == 1 and b"PCOCTL_PASSWORD" in r.stderr,
            "stdin closed (<&-): exit 1 with a message", (r.returncode, r.stderr))
    t.eq(audit(p, "auth.login") + audit(p, "auth.fail"), [],
         "no login was attempted with an empty password")
    t.check("login failed" not in p.log(), "pcod saw no failed login")
    rc, out, err = pcoctl(p, run, "-u", "op1", "auth", "whoami", password="")
    t.check(rc == 1, "an empty PCOCTL_PASSWORD is refused by pcod", (rc, out, err))


@T.test
def no_session_when_asked(t):
    p = start()
    run = tempfile.mkdtemp(prefix="pcosess.")
    e = {k: v for k, v in os.environ.items()}
    e.update({"XDG_RUNTIME_DIR": run, "PCOCTL_SESSION": "no", "PCOCTL_PASSWORD": PW})
    for i in range(3):
        r = subprocess.run([os.environ["PCOCTL"], "-s", p.sock_path, "-u", "op1", "auth",
                            "whoami"], stdin=subprocess.DEVNULL, capture_output=True,
                           env=e, timeout=20, start_new_session=True)
        t.check(r.returncode == 0, "PCOCTL_SESSION=no call %d works" % i, r)
    t.eq(len(audit(p, "auth.login")), 3, "PCOCTL_SESSION=no: a login per call")
    t.eq(token_files(run), [], "no token kept")
    t.eq(db_rows(p, "SELECT count(*) FROM sessions"), [(0,)], "none asked for")


@T.test
def token_dir_must_be_private(t):
    p = start()
    run = tempfile.mkdtemp(prefix="pcosess.")
    os.mkdir(os.path.join(run, "pcoctl"), 0o777)
    os.chmod(os.path.join(run, "pcoctl"), 0o777)
    rc, out, err = pcoctl(p, run, "-u", "op1", "auth", "whoami", password=PW)
    t.check(rc == 0 and "not private" in err, "a world-writable directory: warned, "
            "works without keeping the session", (rc, out, err))
    t.eq(os.listdir(os.path.join(run, "pcoctl")), [], "nothing written into it")


@T.test
def session_bound_to_its_owner(t):
    """A session token works only for the peer that logged in: the same
    uid on the socket, or the browser console's cookie.  Anyone else who
    holds it (another local user, a socket token tried as a cookie, a
    cookie's token on the socket, a session from before the binding) is
    refused and counted like a wrong token."""
    if os.geteuid() != 0:
        print("# not root: cannot open a console as another uid; skipped")
        return
    import http.client
    hport = pt.free_ports()[0]
    p = start({"http": "%s:%d" % (pt.HOST, hport)})
    tok = login_token(Console(p))["token"]
    c = console_as(p, 65534)
    r = c.req("auth.resume", {"token": tok})
    c.close()
    t.eq((r.get("error") or {}).get("code"), "auth_failed",
         "another uid cannot resume root's session")
    fails = audit(p, "auth.fail")
    t.check(any("session of uid:0, used by uid:65534" in (f.get("reason") or "")
                for f in fails), "the refusal is audited with both peers", fails)
    r = Console(p).req("auth.resume", {"token": tok})
    t.check(r.get("ok"), "its owner still resumes it", r)

    def post(path, body, cookie=None, csrf=None):
        h = {"Content-Type": "application/json"}
        if cookie:
            h["Cookie"] = "pcod_session=" + cookie
        if csrf:
            h["X-CSRF-Token"] = csrf
        conn = http.client.HTTPConnection(pt.HOST, hport, timeout=10)
        conn.request("POST", path, body=json.dumps(body).encode(), headers=h)
        resp = conn.getresponse()
        out = (resp.status, resp.getheader("Set-Cookie"), json.loads(resp.read()))
        conn.close()
        return out
    st, _, body = post("/api", {"cmd": "auth.whoami"}, cookie=tok, csrf="0" * 64)
    t.eq(st, 401, "a socket session's token is no cookie")
    st, sc, body = post("/api/login", {"login": "op1", "password": PW})
    t.require(st == 200 and sc, "the console logs in", body)
    cookie = sc.split(";")[0].split("=", 1)[1]
    st, _, body = post("/api", {"cmd": "auth.whoami"}, cookie=cookie,
                       csrf=body["csrf"])
    t.eq(st, 200, "the cookie works in the console")
    r = Console(p).req("auth.resume", {"token": cookie})
    t.eq((r.get("error") or {}).get("code"), "auth_failed",
         "the console's cookie cannot be resumed on the socket")
    tok2 = login_token(Console(p))["token"]
    p.sql("UPDATE sessions SET peer = ''")
    r = Console(p).req("auth.resume", {"token": tok2})
    t.eq((r.get("error") or {}).get("code"), "auth_failed",
         "a session from before the binding is refused: log in again")
    t.check(any("an older pcod" in (f.get("reason") or "")
                for f in audit(p, "auth.fail")), "and the reason says so")


if __name__ == "__main__":
    T.run()
