#!/usr/bin/python3
"""pcoctl alarm watch an operator can trust (issue 12): on a terminal (a pty
with a fixed window) the view fits the window, most urgent and oldest first,
with the true open count and "+N more"; a resize redraws; when pcod is killed
the view says so at once (reverse-video banner, bell) and comes back by
itself when pcod is started again on the same socket and database.  In a
pipe: a line per change, and a line when the connection is lost and back.  A
subscription pcod drops (a console not reading) is noticed and renewed."""

import fcntl
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import tempfile
import termios
import threading
import time

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=240)

PASSWORD = "operator-pass-1"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def send(panel, seq, acct, body):
    a = panel.exchange(pt.sia(seq, acct, body))
    assert a.token == "ACK", a
    return a


def enrolled(conf=None):
    p = Pcod(conf=dict({"take-deadline": "3600", "unknown-accounts": "reject"},
                       **(conf or {})))
    p.add_account("1234")
    p.call("operator.add", login="op1", name="Op One", role="operator",
           password=PASSWORD)
    return p


def raise_alarms(p, first, n, seq=1, cls="BA"):
    """n alarms of account 1234, zones first..first+n-1."""
    with p.tcp() as panel:
        for i in range(n):
            send(panel, seq + i, "1234", "Nri1/%s%d" % (cls, first + i))


def env_for(run_dir):
    e = {k: v for k, v in os.environ.items() if k != "PCOCTL_PASSWORD"}
    e["XDG_RUNTIME_DIR"] = run_dir
    return e


class PtyWatch:
    """pcoctl alarm watch on a pty of rows x cols; its output collected."""

    def __init__(self, p, rows, cols, argv=(), env=None):
        self.master, slave = os.openpty()
        self.resize(rows, cols, signal_it=False)
        self.proc = subprocess.Popen(
            [os.environ["PCOCTL"], "-s", p.sock_path] + list(argv) + ["alarm", "watch"],
            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.buf = b""
        self.lock = threading.Lock()
        self.done = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def resize(self, rows, cols, signal_it=True):
        self.rows, self.cols = rows, cols
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        if signal_it:
            self.proc.send_signal(signal.SIGWINCH)

    def _read(self):
        while not self.done:
            try:
                r, _, _ = select.select([self.master], [], [], 0.1)
                if r:
                    chunk = os.read(self.master, 65536)
                    if not chunk:
                        return
                    with self.lock:
                        self.buf += chunk
            except OSError:
                return

    def raw(self):
        with self.lock:
            return self.buf.decode("utf-8", "replace")

    def frames(self):
        """Every complete screen drawn so far (raw, with escapes)."""
        parts = self.raw().split("\x1b[H")
        return [f for f in parts[1:] if "\x1b[J" in f]

    def screen(self, raw_frame=None):
        """The lines of the last complete screen, escapes removed."""
        fr = self.frames()
        f = raw_frame if raw_frame is not None else (fr[-1] if fr else "")
        f = f.split("\x1b[J")[0].replace("\a", "").replace("\r", "")
        return [ANSI.sub("", ln) for ln in f.split("\n")]

    def wait(self, pred, timeout=10.0):
        """The first screen (from now on) for which pred(lines, raw) holds."""
        start = len(self.frames())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fr = self.frames()
            for f in fr[max(0, start - 1):]:
                if pred(self.screen(f), f):
                    return self.screen(f), f
            time.sleep(0.05)
        return None, None

    def stop(self):
        self.done = True
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        os.close(self.master)


def fits(t, w, lines, name):
    t.check(len(lines) <= w.rows and all(len(ln) <= w.cols for ln in lines),
            "%s: %d lines of at most %d columns fit %dx%d" % (
                name, len(lines), max([len(ln) for ln in lines] or [0]), w.rows, w.cols),
            lines)


def shown_rows(lines):
    """The alarm rows of a screen: lines starting with an id."""
    return [ln for ln in lines if re.match(r"^\d+\s", ln)]


@T.test
def screen_fits_and_counts(t):
    p = enrolled()
    raise_alarms(p, 1, 27, cls="BA")		# burglary, priority 2
    raise_alarms(p, 1, 3, seq=100, cls="FA")	# fire, priority 1, raised last
    run = tempfile.mkdtemp(prefix="pcowatch.")
    w = PtyWatch(p, 12, 100, env=env_for(run))
    try:
        lines, raw = w.wait(lambda ls, f: any("30 open" in ln for ln in ls)
                            and any("+21 more" in ln for ln in ls))
        t.require(lines is not None, "the header has the true count (30 open) and the "
                  "foot what is not shown (+21 more)", w.screen())
        fits(t, w, lines, "12 rows")
        rows = shown_rows(lines)
        t.eq(len(rows), 9, "9 alarm rows in 12 lines (header, columns, foot)")
        prios = [int(r.split()[1]) for r in rows]
        t.check(prios[:3] == [1, 1, 1] and prios == sorted(prios),
                "highest priority first: the three fires, then burglaries", rows)
        ids = [int(r.split()[0]) for r in rows]
        t.check(ids[:3] == sorted(ids[:3]) and ids[3:] == sorted(ids[3:]),
                "oldest first within a priority", rows)
        # a bigger window shows more, the count stays true
        w.resize(20, 60)
        lines, _ = w.wait(lambda ls, f: any("+13 more" in ln for ln in ls))
        t.check(lines is not None, "after SIGWINCH to 20 rows: 17 shown, +13 more",
                w.screen())
        if lines:
            fits(t, w, lines, "20x60 after a resize")
        # one closed: the count follows, and a hidden alarm moves up
        top = ids[0]
        p.call("alarm.close", id=top, resolution="false_unknown")
        lines, _ = w.wait(lambda ls, f: any("29 open" in ln for ln in ls)
                          and any("+12 more" in ln for ln in ls))
        t.check(lines is not None and str(top) not in [r.split()[0] for r in shown_rows(lines)],
                "a closed alarm leaves the view and the count at once", w.screen())
        t.check(w.proc.poll() is None, "the watch is still running")
    finally:
        w.stop()


@T.test
def many_open_alarms_true_count(t):
    p = enrolled()
    raise_alarms(p, 1, 1050)
    run = tempfile.mkdtemp(prefix="pcowatch.")
    w = PtyWatch(p, 30, 120, env=env_for(run))
    try:
        lines, _ = w.wait(lambda ls, f: any("1,050 open" in ln for ln in ls)
                          and len(shown_rows(ls)) > 1)
        t.require(lines is not None, "1,050 open, not the 200 alarm.list gives by default",
                  w.screen())
        fits(t, w, lines, "30 rows with 1,050 open")
        t.check(any(ln.strip() == "+1,023 more" for ln in lines), "+1,023 more (27 shown)",
                lines)
        t.eq(len(shown_rows(lines)), 27, "27 alarm rows")
    finally:
        w.stop()


@T.test
def survives_pcod_restart(t):
    p = enrolled()
    raise_alarms(p, 1, 5)
    run = tempfile.mkdtemp(prefix="pcowatch.")
    env = env_for(run)
    env["PCOCTL_PASSWORD"] = PASSWORD
    w = PtyWatch(p, 15, 100, argv=["-u", "op1"], env=env)
    try:
        lines, _ = w.wait(lambda ls, f: any("5 open" in ln for ln in ls))
        t.require(lines is not None, "watch as op1 shows 5 open", w.screen())
        t.check(not any("LOST" in ln for ln in lines), "no banner while connected", lines)
        p.kill9()
        lines, raw = w.wait(lambda ls, f: any("CONNECTION LOST" in ln for ln in ls), 5)
        t.require(lines is not None, "pcod killed: the banner says CONNECTION LOST",
                  w.screen())
        t.check("\x1b[7m" in raw, "the banner is in reverse video", raw[:300])
        t.check("\a" in w.raw(), "the terminal bell rang")
        fits(t, w, lines, "with the banner")
        t.check(w.proc.poll() is None, "the watch did not exit when pcod died")
        time.sleep(1.5)		# a few retries against a missing socket
        t.check(w.proc.poll() is None, "still retrying while pcod is down")
        p.start()
        lines, _ = w.wait(lambda ls, f: any("5 open" in ln for ln in ls)
                          and not any("LOST" in ln for ln in ls), 10)
        t.require(lines is not None, "pcod back: the banner is gone, 5 open again",
                  w.screen())
        # live again: a new alarm reaches it by notification
        raise_alarms(p, 50, 1, seq=60)
        lines, _ = w.wait(lambda ls, f: any("6 open" in ln and "last: alarm" in ln
                                            for ln in ls), 10)
        t.check(lines is not None, "resubscribed: a new alarm is announced (6 open, "
                "last: alarm N)", w.screen())
        resumes = [r for r in p.call("audit.list", action="auth.resume", limit=100)
                   if r.get("object_id") == "op1"]
        logins = [r for r in p.call("audit.list", action="auth.login", limit=100)
                  if r.get("object_id") == "op1"]
        t.check(len(logins) == 1 and len(resumes) >= 1,
                "one password login; the reconnect resumed the session", (logins, resumes))
    finally:
        w.stop()


@T.test
def long_quiet_watch_keeps_its_session(t):
    """A watch connected longer than session-timeout still reconnects with its
    session: it uses it on the live connection at half the timeout."""
    p = enrolled({"session-timeout": "2"})
    raise_alarms(p, 1, 2)
    run = tempfile.mkdtemp(prefix="pcowatch.")
    env = env_for(run)
    env["PCOCTL_PASSWORD"] = PASSWORD
    w = PtyWatch(p, 10, 100, argv=["-u", "op1"], env=env)
    try:
        lines, _ = w.wait(lambda ls, f: any("2 open" in ln for ln in ls))
        t.require(lines is not None, "watch as op1 with a 2 s session-timeout", w.screen())
        time.sleep(4.5)
        p.kill9()
        p.start()
        lines, _ = w.wait(lambda ls, f: any("2 open" in ln for ln in ls)
                          and not any("LOST" in ln for ln in ls), 10)
        t.check(lines is not None, "after 4.5 s connected and a restart it is back "
                "without a password", w.screen())
        logins = [r for r in p.call("audit.list", action="auth.login", limit=100)
                  if r.get("object_id") == "op1"]
        t.eq(len(logins), 1, "still the one password login")
    finally:
        w.stop()


def pipe_watch(p, env, argv=()):
    return subprocess.Popen([os.environ["PCOCTL"], "-s", p.sock_path] + list(argv)
                            + ["alarm", "watch"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)


def read_until(proc, pred, timeout=10.0):
    """Lines of proc's stdout until one satisfies pred; (lines, the match).
    What was read past the match is kept for the next call: on a loaded
    machine "watch lost" and "watch back" often arrive in one read."""
    got = []
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    buf = getattr(proc, "_rest", b"")
    while True:
        while b"\n" in buf:
            ln, buf = buf.split(b"\n", 1)
            s = ln.decode("utf-8", "replace")
            got.append(s)
            if pred(s):
                proc._rest = buf
                return got, s
        if time.monotonic() >= deadline:
            break
        r, _, _ = select.select([fd], [], [], 0.1)
        if not r:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk
    proc._rest = buf
    return got, None


@T.test
def pipe_lines_lost_and_back(t):
    p = enrolled()
    run = tempfile.mkdtemp(prefix="pcowatch.")
    w = pipe_watch(p, env_for(run))
    try:
        time.sleep(0.5)
        raise_alarms(p, 1, 1)
        got, ln = read_until(w, lambda s: s.startswith("alarm "))
        t.check(ln is not None and "state=new" in ln, "a line per change in a pipe", got)
        t.check(not any("\x1b" in s for s in got), "no escape sequences in a pipe", got)
        p.kill9()
        got, ln = read_until(w, lambda s: s.startswith("watch lost"), 5)
        t.check(ln is not None, "a line when the connection is lost", got)
        p.start()
        got, ln = read_until(w, lambda s: s.startswith("watch back"), 10)
        t.check(ln is not None and "1 open alarms" in ln,
                "a line when it is back, with the open count", got)
        raise_alarms(p, 2, 1, seq=10)
        got, ln = read_until(w, lambda s: s.startswith("alarm "))
        t.check(ln is not None, "changes flow again after the reconnect", got)
        t.check(w.poll() is None, "still running")
    finally:
        w.kill()
        w.wait()


@T.test
def real_drop_when_not_reading(t):
    """pcod drops the subscription of a watch that stops reading (512 KiB of
    output queued); the watch notices it once it reads again and renews it."""
    p = enrolled()
    run = tempfile.mkdtemp(prefix="pcowatch.")
    w = pipe_watch(p, env_for(run))
    try:
        time.sleep(0.5)
        raise_alarms(p, 1, 1)
        got, ln = read_until(w, lambda s: s.startswith("alarm "))
        t.require(ln is not None, "the watch is live", got)
        w.send_signal(signal.SIGSTOP)
        seq, zone = 10, 2
        while "subscriptions dropped" not in p.log() and zone < 6000:
            raise_alarms(p, zone, 250, seq=seq)
            seq += 250
            zone += 250
        t.require("subscriptions dropped" in p.log(),
                  "pcod dropped the stopped watch's subscription (%d alarms)" % zone)
        w.send_signal(signal.SIGCONT)
        got, ln = read_until(w, lambda s: s.startswith("watch lost"), 30)
        t.check(ln is not None and "console not reading" in ln,
                "the watch reports the drop once it reads again", got[-3:])
        got, ln = read_until(w, lambda s: s.startswith("watch back"), 10)
        t.check(ln is not None and "open alarms" in ln, "and subscribes again", got[-3:])
        raise_alarms(p, 9000, 1, seq=seq)
        got, ln = read_until(w, lambda s: s.startswith("alarm ") and "zone=9000" in s)
        t.check(ln is not None, "changes flow again", got[-3:])
    finally:
        w.send_signal(signal.SIGCONT)
        w.kill()
        w.wait()


@T.test
def pipe_notices_hung_pcod(t):
    """A pcod that stops answering (SIGSTOP) keeps the socket open: the watch
    in a pipe asks it something every 15 s and reports the silence."""
    p = enrolled()
    run = tempfile.mkdtemp(prefix="pcowatch.")
    w = pipe_watch(p, env_for(run))
    try:
        time.sleep(0.5)
        p.send_signal(signal.SIGSTOP)
        got, ln = read_until(w, lambda s: s.startswith("watch lost"), 30)
        t.check(ln is not None and "does not answer" in ln,
                "a hung pcod is reported within 25 s", got)
        p.send_signal(signal.SIGCONT)
        got, ln = read_until(w, lambda s: s.startswith("watch back"), 10)
        t.check(ln is not None, "and the watch is back when it answers again", got)
    finally:
        p.send_signal(signal.SIGCONT)
        w.kill()
        w.wait()


class FakePcod:
    """A control socket that answers what the watch asks and, on the first
    connection, drops the subscription the way pcod does for a console that
    does not read (src/control.c console_drop_topics)."""

    DROPPED = ('{"notify":"subscription","data":'
               '{"dropped":true,"reason":"console not reading"}}')

    def __init__(self, path):
        self.path = path
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(8)
        self.subscribes = 0
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.srv.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.srv.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._conn, args=(c, self.connections),
                             daemon=True).start()

    def _conn(self, c, n):
        f = c.makefile("rwb")
        try:
            for line in f:
                req = json.loads(line)
                cmd = req["cmd"]
                res = {"alarm.list": [], "alarm.count": {"count": 7},
                       "subscribe": {"topics": ["alarm", "escalation", "system"]}}.get(cmd, {})
                f.write(json.dumps({"id": req["id"], "ok": True, "result": res}).encode()
                        + b"\n")
                f.flush()
                if cmd == "subscribe":
                    self.subscribes += 1
                    if n == 1:
                        time.sleep(0.3)
                        f.write(self.DROPPED.encode() + b"\n")
                        f.flush()
        except (OSError, ValueError):
            pass

    def close(self):
        self.stop = True
        self.srv.close()


@T.test
def dropped_subscription_noticed(t):
    src = open(os.path.join(os.environ.get("TESTDATA", "tests"), "..", "src",
                            "control.c")).read()
    t.check('"{\\"notify\\":\\"subscription\\",\\"data\\":"' in src
            and "\\\"dropped\\\":true" in src,
            "pcod's drop notice is the one the fake server sends")
    d = tempfile.mkdtemp(prefix="pcowatch.")
    fake = FakePcod(os.path.join(d, "fake.sock"))
    try:
        w = subprocess.Popen([os.environ["PCOCTL"], "-s", fake.path, "alarm", "watch"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        got, ln = read_until(w, lambda s: s.startswith("watch lost"), 5)
        t.check(ln is not None and "console not reading" in ln,
                "a dropped subscription is reported at once", got)
        got, ln = read_until(w, lambda s: s.startswith("watch back"), 5)
        t.check(ln is not None and "7 open" in ln, "and renewed by itself", got)
        t.check(fake.subscribes >= 2 and fake.connections >= 2,
                "a new connection subscribed again",
                (fake.subscribes, fake.connections))
        w.kill()
        w.wait()
        # On a terminal: the banner.
        fake2 = FakePcod(os.path.join(d, "fake2.sock"))

        class P:
            sock_path = fake2.path
        pw = PtyWatch(P, 10, 80, env=dict(os.environ))
        try:
            lines, raw = pw.wait(lambda ls, f: any("SUBSCRIPTION DROPPED" in ln
                                                  for ln in ls), 5)
            t.check(lines is not None and "\x1b[7m" in raw,
                    "on a terminal: a reverse-video SUBSCRIPTION DROPPED banner",
                    pw.screen())
            lines, _ = pw.wait(lambda ls, f: any("7 open" in ln for ln in ls)
                               and not any("DROPPED" in ln for ln in ls), 5)
            t.check(lines is not None, "the banner goes once subscribed again", pw.screen())
        finally:
            pw.stop()
            fake2.close()
    finally:
        fake.close()


if __name__ == "__main__":
    T.run()
