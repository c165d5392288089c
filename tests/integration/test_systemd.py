#!/usr/bin/python3
"""Issue 12 (3): pcod as a systemd service, without systemd.

A Python AF_UNIX datagram socket plays systemd's NOTIFY_SOCKET: READY=1
once the listeners are up, WATCHDOG=1 from the event loop every half
WATCHDOG_USEC (also while the loop is busy with a load of DC-09 frames),
STATUS= lines with connections, events/s and open alarms, RELOADING=1 and
READY=1 around SIGHUP, STOPPING=1 at SIGTERM.  JOURNAL_STREAM set to the
device:inode of the pipe pcod gets as stderr makes every line start with
its syslog priority ("<4>" for a warning, "<3>" for an error)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

import pcotest as pt
from pcotest import Pcod, num

T = pt.Runner(limit=150)


class Notify:
    """systemd's end of NOTIFY_SOCKET: every datagram with when it came."""

    def __init__(self, directory, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            self.name = "@pcotest-notify-%d-%d" % (os.getpid(), id(self))
            self.sock.bind("\0" + self.name[1:])
        else:
            self.name = os.path.join(directory, "notify.sock")
            self.sock.bind(self.name)
        self.msgs = []          # (monotonic time, text)
        self.lock = threading.Lock()
        self.done = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.1)
        while not self.done:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.msgs.append((time.monotonic(), data.decode("utf-8", "replace")))

    def texts(self):
        with self.lock:
            return [m for _, m in self.msgs]

    def wait(self, pred, timeout=10):
        """The first message matching pred (heard before or coming)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.texts():
                if pred(m):
                    return m
            time.sleep(0.02)
        return None

    def times(self, text, since=0):
        with self.lock:
            return [t for t, m in self.msgs if m == text and t >= since]

    def close(self):
        self.done = True
        self.thread.join(2)
        self.sock.close()


def start_env(p, env, stderr=None):
    """Start p (made with start=False) with env added; wait until it serves."""
    with pt.environ(env):
        if stderr is None:
            p.start()
            return p
        p.proc = subprocess.Popen([p.pcod, "-f", "-c", p.conf_path],
                                  stdin=subprocess.DEVNULL, stdout=stderr,
                                  stderr=stderr, cwd=p.dir)
        if not pt.wait_for(p._probe, timeout=10):
            raise pt.HardError("pcod did not start")
        return p


def load(port, seconds, nconn=4):
    """Pipelined bursts of SIA frames on nconn connections; frames ACKed."""
    acked = [0] * nconn
    stop = time.monotonic() + seconds

    def one(k):
        seq, wrap = 0, 0
        with pt.TcpPanel(port, timeout=10) as c:
            while time.monotonic() < stop:
                burst = []
                for _ in range(50):
                    seq = seq % 9999 + 1
                    wrap += seq == 1
                    # a new account when the sequence wraps: no retransmissions
                    burst.append(pt.sia(seq, "%04X" % (0x7000 + 64 * k + wrap),
                                        "Nri1/BA%02d" % (seq % 90 + 1)))
                c.send(b"".join(burst))
                for _ in burst:
                    if c.read(timeout=10).token == "ACK":
                        acked[k] += 1
    threads = [threading.Thread(target=one, args=(k,)) for k in range(nconn)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(seconds + 30)
    return sum(acked)


STATUS_RE = re.compile(r"STATUS=(\d+) panel connections?, ([0-9.]+) events/s, "
                       r"(\d+) open alarms?")


@T.test
def notify_lifecycle_under_load(t):
    p = Pcod(start=False)
    n = Notify(p.dir)
    try:
        start_env(p, {"NOTIFY_SOCKET": n.name, "WATCHDOG_USEC": "1000000",
                      "WATCHDOG_PID": None, "JOURNAL_STREAM": None})
        t.check(n.wait(lambda m: m == "READY=1"), "READY=1 once listeners are up")
        first = n.texts()
        t.check(first and first[0] == "READY=1", "READY=1 is the first message", first[:3])
        # the listeners were bound before READY=1: a panel connects at once
        with p.tcp() as c:
            t.eq(c.exchange(pt.sia(1, "1234", "Nri1/BA01")).token, "ACK",
                 "a panel is served right after READY=1")
        t.check(n.wait(lambda m: m.startswith("STATUS=")), "a first STATUS= line")
        t0 = time.monotonic()
        acked = load(p.tcp_port, 6.0)
        t1 = time.monotonic()
        t.info("%d frames ACKed in %.1f s" % (acked, t1 - t0))
        t.check(acked > 1000, "the load kept pcod busy", acked)
        pings = n.times("WATCHDOG=1", since=t0)
        pings = [x for x in pings if x <= t1 + 0.1]
        gaps = [b - a for a, b in zip([t0] + pings, pings + [t1])]
        t.check(len(pings) >= 9, "WATCHDOG=1 every half WATCHDOG_USEC while busy "
                "(>= 9 in 6 s)", len(pings))
        t.info("longest gap between pings under load: %.3f s" % max(gaps))
        t.check(max(gaps) < 1.0, "no gap reaching the 1 s watchdog timeout while busy",
                "%.3f s" % max(gaps))
        # the load spans a STATUS= line (every 5 s); the next one may be due
        n.wait(lambda m: (STATUS_RE.match(m) or [0, 0, "0"])[2] not in ("0.0", "0"),
               timeout=6)
        busy = [STATUS_RE.match(m) for m in n.texts() if m.startswith("STATUS=")]
        t.check(all(busy), "every STATUS= line has connections, events/s and open "
                "alarms", [m for m in n.texts() if m.startswith("STATUS=")][:3])
        busy = [m for m in busy if m]
        t.check(any(float(m.group(2)) > 100 for m in busy),
                "a STATUS= line shows the load's events/s",
                [m.group(0) for m in busy])
        t.check(any(int(m.group(1)) >= 4 for m in busy),
                "a STATUS= line counts the 4 panel connections",
                [m.group(0) for m in busy])
        st_alarms = len(p.call("alarm.list", limit=1000) or [])
        t.check(any(int(m.group(3)) > 0 for m in busy), "open alarms counted",
                repr((st_alarms, [m.group(0) for m in busy][-2:])))
        # idle again: the rate falls back to 0.0 by the next line or two
        t.check(n.wait(lambda m: m.startswith("STATUS=0 panel connections, 0.0 "),
                       timeout=12),
                "idle: 0 connections, 0.0 events/s", n.texts()[-1])
        # SIGHUP: RELOADING=1 then READY=1
        mark = len(n.texts())
        p.send_signal(signal.SIGHUP)
        t.check(pt.wait_for(lambda: "READY=1" in n.texts()[mark:], timeout=5),
                "READY=1 after the reload")
        after = n.texts()[mark:]
        t.check(after and after[0].startswith("RELOADING=1\nMONOTONIC_USEC="),
                "RELOADING=1 with MONOTONIC_USEC first", after[:2])
        # a refused reload also ends with READY=1 (the old configuration runs on)
        good = open(p.conf_path).read()
        with open(p.conf_path, "a") as f:
            f.write("frobnicate 1\n")
        mark = len(n.texts())
        p.send_signal(signal.SIGHUP)
        t.check(pt.wait_for(lambda: "READY=1" in n.texts()[mark:], timeout=5),
                "a refused reload ends with READY=1 too")
        with open(p.conf_path, "w") as f:
            f.write(good)
        mark = len(n.texts())
        t.eq(p.stop(), 0, "SIGTERM: exit 0")
        rest = n.texts()[mark:]
        t.check("STOPPING=1" in rest, "STOPPING=1 at SIGTERM", rest)
    finally:
        n.close()


@T.test
def abstract_socket_and_foreign_watchdog(t):
    p = Pcod(start=False)
    n = Notify(p.dir, abstract=True)
    try:
        # WATCHDOG_PID of another process: the watchdog is not ours
        start_env(p, {"NOTIFY_SOCKET": n.name, "WATCHDOG_USEC": "200000",
                      "WATCHDOG_PID": "1", "JOURNAL_STREAM": None})
        t.check(n.wait(lambda m: m == "READY=1"), "READY=1 on an abstract '@' socket")
        time.sleep(0.6)
        t.eq(n.texts().count("WATCHDOG=1"), 0, "no WATCHDOG=1 when WATCHDOG_PID is "
             "another process's")
        p.stop()
        t.check("STOPPING=1" in n.texts(), "STOPPING=1 on the abstract socket")
    finally:
        n.close()
    # WATCHDOG_PID naming pcod itself (sh's $$ survives its exec): pings
    w = Pcod(start=False)
    n = Notify(w.dir)
    try:
        env = dict(os.environ, NOTIFY_SOCKET=n.name, WATCHDOG_USEC="200000")
        env.pop("JOURNAL_STREAM", None)
        errf = open(w.err_path, "ab")
        w.proc = subprocess.Popen(["sh", "-c", 'WATCHDOG_PID=$$; export WATCHDOG_PID; '
                                   'exec "$0" -f -c "$1"', w.pcod, w.conf_path],
                                  stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                                  cwd=w.dir, env=env)
        errf.close()
        t.check(n.wait(lambda m: m == "READY=1"), "READY=1")
        time.sleep(0.6)
        t.check(n.texts().count("WATCHDOG=1") >= 4,
                "WATCHDOG_PID naming pcod: a ping every 100 ms", n.texts().count("WATCHDOG=1"))
        w.stop()
    finally:
        n.close()
    # a bad NOTIFY_SOCKET (relative) is warned about and pcod runs on
    q = Pcod(start=False)
    start_env(q, {"NOTIFY_SOCKET": "relative/notify.sock", "WATCHDOG_USEC": "100000",
                  "JOURNAL_STREAM": None})
    t.check(pt.wait_for(lambda: "NOTIFY_SOCKET" in q.log(), timeout=3),
            "a relative NOTIFY_SOCKET is warned about", q.log()[-300:])
    t.check(q.running() and q.status() is not None, "and pcod runs on")


@T.test
def notify_socket_gone(t):
    """systemd's socket vanishing (daemon-reexec, a test) costs one warning."""
    p = Pcod(start=False)
    n = Notify(p.dir)
    start_env(p, {"NOTIFY_SOCKET": n.name, "WATCHDOG_USEC": "200000",
                  "WATCHDOG_PID": None, "JOURNAL_STREAM": None})
    t.check(n.wait(lambda m: m == "READY=1"), "READY=1")
    n.close()
    os.unlink(n.name)
    time.sleep(1.0)
    t.eq(p.log().count("sd_notify:"), 1, "one warning for a run of failed pings")
    t.check(p.running() and p.status() is not None, "pcod serves on without systemd")


@T.test
def migration_keeps_systemd_waiting(t):
    """A schema migration that rebuilds an index over a long history (schema
    17's events_frame: about a second a million events) tells systemd it is
    still starting, so that TimeoutStartSec and the watchdog never kill it
    half done (it would roll back and start over, for ever): on SQLite from
    its progress handler, on PostgreSQL while the server has not answered."""
    n_events = 200000
    p = Pcod()
    p.stop()
    p.downgrade_to_16()
    p.sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
          " WHERE i < %d) INSERT INTO frames (id, received_ms, transport,"
          " peer, account, token, seq, raw, digest) SELECT i, 1000000 + i,"
          " 'tcp', '10.0.0.1:1', '9999', 'SIA-DCS', i %% 9999 + 1, %s,"
          " 'old' FROM n" % (n_events, "decode('0a', 'hex')"
                             if pt.STORE == "pg" else "x'0a'"))
    p.sql("INSERT INTO events (id, frame_id, account, received_ms, format,"
          " code, qual, class, text) SELECT id, id, '9999', received_ms,"
          " 'SIA', 'BA', 'new', 'burglary', '' FROM frames")
    n = Notify(p.dir)
    try:
        start_env(p, {"NOTIFY_SOCKET": n.name, "WATCHDOG_USEC": "10000000",
                      "WATCHDOG_PID": None, "JOURNAL_STREAM": None,
                      "PCOD_TEST_MIGRATE_TICK_MS": "1"})
        t.check(n.wait(lambda m: m == "READY=1"), "READY=1")
        msgs = n.texts()
        ready = msgs.index("READY=1")
        ticks = [m for m in msgs[:ready] if "EXTEND_TIMEOUT_USEC=" in m and
                 "migrating the database to schema version 17" in m and
                 "WATCHDOG=1" in m]
        t.check(len(ticks) > 0, "before READY=1 the migration said it runs"
                " (STATUS=, WATCHDOG=1, EXTEND_TIMEOUT_USEC=)",
                msgs[:3])
    finally:
        n.close()
    t.eq(p.schema_version(), pt.SCHEMA_VERSION, "migrated")
    t.eq(num(p.sql("SELECT count(*) FROM events")[0][0]), n_events,
         "every event still there")
    t.check(p.running() and p.status() is not None, "pcod serves")


def journal_run(p, match=True):
    """Start p with stderr a pipe and JOURNAL_STREAM naming it (or another
    inode); returns (read end, process)."""
    r, w = os.pipe()
    st = os.fstat(w)
    ino = st.st_ino if match else st.st_ino + 1
    start_env(p, {"JOURNAL_STREAM": "%d:%d" % (st.st_dev, ino),
                  "NOTIFY_SOCKET": None}, stderr=w)
    os.close(w)
    return r


def read_all(fd, proc, timeout=20):
    out = b""
    deadline = time.monotonic() + timeout
    os.set_blocking(fd, False)
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            if proc.poll() is not None:
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    break
            else:
                time.sleep(0.05)
                continue
        if not chunk:
            break
        out += chunk
    os.close(fd)
    return out.decode("utf-8", "replace")


@T.test
def journal_priorities(t):
    p = Pcod(start=False)
    # a control socket anyone may write: a warning at start (priority 4)
    p.write_conf(conf={"control": '"pcod.sock" mode 0666'})
    r = journal_run(p)
    p.stop()
    out = read_all(r, p.proc)
    lines = [ln for ln in out.splitlines() if ln]
    t.check(lines and all(re.match(r"<[0-7]>", ln) for ln in lines),
            "every line starts with <N> when stderr is the journal", lines[:3])
    t.check(any(ln.startswith("<6>info: ") for ln in lines), "info lines are <6>",
            lines[:3])
    warn = [ln for ln in lines if "0666" in ln]
    t.check(warn and warn[0].startswith("<4>warn: ") and
            (p.conf_path + ":3:") in warn[0],
            "the mode warning is <4> with file:line", warn)
    t.check(not any(ln.startswith("<") and "pcod: " in ln[:12] for ln in lines),
            "no 'pcod: ' in front (the journal names the unit)", lines[:2])

    # an error: a configuration that cannot start (a conflict) is <3>
    q = Pcod(start=False)
    q.write_conf(extra=["listen tcp 0.0.0.0:{tcp}"])
    line = q.conf_text(extra=["listen tcp 0.0.0.0:{tcp}"]).count("\n")
    rfd, wfd = os.pipe()
    st = os.fstat(wfd)
    env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
    env.pop("NOTIFY_SOCKET", None)
    proc = subprocess.run([q.pcod, "-f", "-c", q.conf_path], stdin=subprocess.DEVNULL,
                          stdout=wfd, stderr=wfd, env=env, timeout=10)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as f:
        err = f.read().decode()
    t.eq(proc.returncode, 1, "start refused on a listen conflict")
    t.check(err.startswith("<3>") and ("%s:%d:" % (q.conf_path, line)) in err,
            "the conflict is an error line <3> with file:line", err)
    # pcod -n in the journal (ExecStartPre=): <3>file:line: message
    rfd, wfd = os.pipe()
    st = os.fstat(wfd)
    env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
    proc = subprocess.run([q.pcod, "-n", "-c", q.conf_path], stdin=subprocess.DEVNULL,
                          stdout=wfd, stderr=wfd, env=env, timeout=10)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as f:
        err = f.read().decode()
    t.check(proc.returncode == 1 and err.startswith("<3>%s:%d: " % (q.conf_path, line)),
            "pcod -n: <3>file:line: message", err)


@T.test
def journal_commit_failure(t):
    """A commit that fails (another process holds the write lock) reaches
    journalctl -p warning: its line is <4> or <3>, never <6>."""
    p = Pcod(start=False)
    open(p.err_path, "wb").close()
    st = os.stat(p.err_path)
    # pcod appends to this very file: its stderr is "the journal"
    start_env(p, {"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino),
                  "NOTIFY_SOCKET": None})
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(1, "AB01", "Nri1/BA01")).token, "ACK", "ACK before the lock")
        with p.write_lock():
            a = c.exchange(pt.sia(2, "AB01", "Nri1/BA02"), timeout=10)
            t.eq(a.token, "NAK", "NAK while the database refuses the write")
            t.check(pt.wait_for(lambda: "store:" in p.log(), timeout=5),
                    "the failure is logged")
        t.eq(c.exchange(pt.sia(2, "AB01", "Nri1/BA02")).token, "ACK", "ACK after the lock")
    fail = [ln for ln in p.log().splitlines() if "store:" in ln and "fail" in ln]
    t.check(fail and re.match(r"<3>", fail[0]) and
            all(re.match(r"<[34]>", ln) for ln in fail),
            "the commit failure is an error line <3> (its end <4>): "
            "journalctl -p err shows it", fail[:3])


@T.test
def not_the_journal(t):
    """JOURNAL_STREAM naming another inode (inherited by a child whose
    stderr was redirected): today's readable lines."""
    p = Pcod(start=False)
    r = journal_run(p, match=False)
    p.stop()
    out = read_all(r, p.proc)
    lines = [ln for ln in out.splitlines() if ln]
    t.check(lines and all(ln.startswith("pcod: ") for ln in lines),
            "plain 'pcod: level: ' lines when stderr is not the journal", lines[:3])
    for bad in ("", "12", "12:", ":34", "x:y", "1:2:3", "-1:5"):
        q = Pcod(start=False)
        rfd, wfd = os.pipe()
        env = dict(os.environ, JOURNAL_STREAM=bad)
        env.pop("NOTIFY_SOCKET", None)
        proc = subprocess.run([q.pcod, "-n", "-c", q.conf_path], stdin=subprocess.DEVNULL,
                              stdout=wfd, stderr=wfd, env=env, timeout=10)
        os.close(wfd)
        with os.fdopen(rfd, "rb") as f:
            err = f.read().decode()
        t.check(proc.returncode == 0 and not err.startswith("<"),
                "JOURNAL_STREAM=%r is not the journal" % bad, err)
        q.cleanup()


def unit_path():
    return os.path.join(os.path.dirname(os.environ.get("PCOD", "")), "systemd",
                        "pcod.service")


@T.test
def unit_file(t):
    """The shipped unit: notify with a watchdog, no capability, checked reloads,
    and systemd's own rating of its hardening (when systemd-analyze is here)."""
    path = unit_path()
    t.require(os.path.exists(path), "the built unit exists", path)
    lines = [ln.strip() for ln in open(path) if ln.strip()]
    keys = {}
    for ln in lines:
        if not ln.startswith("#") and "=" in ln:
            k, v = ln.split("=", 1)
            keys.setdefault(k, []).append(v)
    t.eq(keys.get("Type"), ["notify"], "Type=notify")
    t.check(keys.get("WatchdogSec") and int(keys["WatchdogSec"][0]) > 0, "WatchdogSec= set")
    t.eq(keys.get("OOMScoreAdjust"), ["-900"], "OOMScoreAdjust=-900")
    t.eq(keys.get("CapabilityBoundingSet"), [""], "no capability in the bounding set")
    t.eq(keys.get("AmbientCapabilities"), [""], "no ambient capability")
    reload = keys.get("ExecReload") or []
    t.check(len(reload) == 2 and reload[0].endswith("pcod -n -c " + reload[0].split()[-1])
            and "kill -HUP" in reload[1], "ExecReload checks with pcod -n, then SIGHUP",
            reload)
    for k in ("ProtectKernelLogs", "RestrictSUIDSGID", "PrivateMounts", "RemoveIPC"):
        t.eq(keys.get(k), ["yes"], "%s=yes" % k)
    t.eq(keys.get("ProtectProc"), ["invisible"], "ProtectProc=invisible")
    t.eq(keys.get("ProcSubset"), ["pid"], "ProcSubset=pid")
    t.eq(keys.get("SystemCallFilter"), ["@system-service", "~@privileged @resources"],
         "SystemCallFilter=@system-service, then ~@privileged @resources")
    t.check(not any("keep the old process" in ln for ln in lines),
            "no promise that a restart keeps the old process")
    exe = shutil.which("systemd-analyze")
    if not exe:
        t.info("no systemd-analyze: the exposure level is not measured")
        return
    r = subprocess.run([exe, "security", "--offline=yes", path], capture_output=True,
                       timeout=60)
    m = re.search(rb"Overall exposure level for pcod.service: ([0-9.]+)", r.stdout)
    if not m and b"offline" in r.stderr:
        t.info("this systemd-analyze has no --offline")
        return
    t.check(m and float(m.group(1)) <= 1.5, "systemd-analyze security: <= 1.5",
            m.group(1) if m else r.stderr[-300:])
    if m:
        t.info("systemd-analyze security --offline: %s" % m.group(1).decode())


def syscall_group(exe, name, seen=None):
    """The system calls of a systemd group (@name), nested groups expanded."""
    seen = set() if seen is None else seen
    if name in seen:
        return set()
    seen.add(name)
    out = subprocess.run([exe, "syscall-filter", name], capture_output=True,
                         timeout=30).stdout.decode()
    calls = set()
    for ln in out.splitlines()[1:]:
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        calls |= syscall_group(exe, ln, seen) if ln.startswith("@") else {ln}
    return calls


@T.test
def unit_syscall_filter(t):
    """pcod as the unit runs it (not root) stays inside SystemCallFilter=
    @system-service ~@privileged @resources: every system call it makes
    while starting, serving TCP, UDP and a console, reloading and stopping
    (traced with strace) is allowed."""
    exe, strace = shutil.which("systemd-analyze"), shutil.which("strace")
    if not exe or not strace:
        t.info("no systemd-analyze or strace: not traced")
        return
    allowed = syscall_group(exe, "@system-service") - \
        syscall_group(exe, "@privileged") - syscall_group(exe, "@resources")
    t.require(len(allowed) > 100 and "prlimit64" in allowed and "setrlimit" not in allowed,
              "the filter's sets read from systemd-analyze (prlimit64 in, setrlimit out)")
    p = Pcod(start=False)
    trace = os.path.join(p.dir, "trace")
    os.chmod(p.dir, 0o777)
    os.chmod(p.conf_path, 0o644)

    def as_nobody():
        if os.getuid() == 0:
            os.setgid(65534)
            os.setuid(65534)
    errf = open(p.err_path, "ab")
    # LeakSanitizer cannot run under ptrace (it stops the process at exit
    # with "does not work under ptrace" and exit 1): no leak check here, the
    # other tests make it on the sanitizer build.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(x for x in (env.get("ASAN_OPTIONS"),
                                               "detect_leaks=0") if x)
    p.proc = subprocess.Popen([strace, "-f", "-qq", "-o", trace, p.pcod, "-f", "-c",
                               p.conf_path], stdin=subprocess.DEVNULL, stdout=errf,
                              stderr=errf, cwd=p.dir, preexec_fn=as_nobody, env=env)
    errf.close()
    t.require(pt.wait_for(p._probe, timeout=20), "pcod starts under strace", p.log()[-300:])
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(1, "1234", "Nri1/BA01")).token, "ACK", "a TCP frame")
    with p.udp() as u:
        t.eq(u.exchange(pt.sia(2, "1234", "Nri1/BA02")).token, "ACK", "a UDP frame")
    t.check(p.status() is not None, "a console's status")
    # signals go to pcod, strace's child, not to strace
    kids = open("/proc/%d/task/%d/children" % (p.proc.pid, p.proc.pid)).read().split()
    t.require(len(kids) == 1, "pcod runs under strace", kids)
    os.kill(int(kids[0]), signal.SIGHUP)
    t.check(pt.wait_for(lambda: "reloaded" in p.log(), timeout=10), "a reload")
    os.kill(int(kids[0]), signal.SIGTERM)
    t.eq(p.proc.wait(30), 0, "a clean stop")
    used, started = set(), False
    with open(trace) as f:
        for ln in f:
            if not started:
                started = 'execve("%s"' % p.pcod in ln
            m = re.match(r"\d+ +([a-z_0-9]+)\(", ln)
            if started and m:
                used.add(m.group(1))
    t.check(len(used) > 30, "the trace holds pcod's calls", len(used))
    t.eq(sorted(used - allowed), [], "no system call outside the unit's filter")


class Forwarder:
    """A TCP port that forwards to another once opened: a database server
    that comes up later, as a promoted standby does."""

    def __init__(self, target_port):
        self.target = target_port
        self.port = pt.free_tcp_port()
        self.lsock = None
        self.stop = False

    def open(self):
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((pt.HOST, self.port))
        self.lsock.listen(16)
        self.lsock.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop:
            try:
                a, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            b = socket.create_connection((pt.HOST, self.target))
            for x, y in ((a, b), (b, a)):
                threading.Thread(target=self._pipe, args=(x, y),
                                 daemon=True).start()

    @staticmethod
    def _pipe(x, y):
        try:
            while True:
                d = x.recv(65536)
                if not d:
                    break
                y.sendall(d)
        except OSError:
            pass
        for z in (x, y):
            try:
                z.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.stop = True
        if self.lsock is not None:
            self.lsock.close()


@T.test
def start_waits_for_the_database_server(t):
    """PostgreSQL not there yet at start (a standby being promoted, pcod
    started again after a batch was lost with the primary): pcod waits,
    tries once a second, tells systemd it is waiting (STATUS=, WATCHDOG=1,
    EXTEND_TIMEOUT_USEC= so that neither the watchdog nor the start timeout
    kills it), and starts as soon as the server takes a session."""
    t.skip_unless_pg("a PostgreSQL server that is not there yet")
    real = urllib.parse.urlsplit(pt.pgcluster.admin_uri()).port
    fw = Forwarder(real)
    p = Pcod(start=False)
    u = urllib.parse.urlsplit(p.db_uri)
    p.db_uri = urllib.parse.urlunsplit((u.scheme, "%s@%s:%d" % (
        u.username, pt.HOST, fw.port), u.path, u.query, u.fragment))
    p.write_conf()
    n = Notify(p.dir)
    try:
        env = dict(os.environ, NOTIFY_SOCKET=n.name, WATCHDOG_USEC="2000000")
        p.proc = subprocess.Popen([p.pcod, "-f", "-c", p.conf_path],
                                  stdin=subprocess.DEVNULL,
                                  stdout=open(p.err_path, "ab"),
                                  stderr=subprocess.STDOUT, cwd=p.dir, env=env)
        t.check(n.wait(lambda m: "STATUS=waiting for the database server" in m
                       and "WATCHDOG=1" in m and "EXTEND_TIMEOUT_USEC" in m,
                       timeout=10) is not None,
                "systemd hears that pcod waits, alive")
        time.sleep(2.5)
        t.check(p.running(), "pcod waits instead of exiting")
        t.check("no session on the database server" in p.log(),
                "its log says so", p.log()[-400:])
        t.check(n.wait(lambda m: "READY=1" in m, timeout=0.1) is None,
                "and is not ready")
        fw.open()
        t.check(n.wait(lambda m: "READY=1" in m, timeout=15) is not None,
                "ready once the server takes sessions")
        t.check(pt.wait_for(p._probe, timeout=10), "and serves")
        p.add_account("5A11")
        with p.tcp() as c:
            t.eq(c.exchange(pt.sia(1, "5A11", "Nri1/BA01")).token, "ACK",
                 "and receives")
        t.check("takes sessions again after" in p.log(), "its log says when")
    finally:
        n.close()
        p.stop()
        fw.close()


if __name__ == "__main__":
    T.run()
