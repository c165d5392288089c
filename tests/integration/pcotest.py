"""pcotest - harness for pcod's integration tests.

Three parts, all independent of pcod's C code:
  * an SIA DC-09 implementation (CRC, framing, AES-CBC, answer parsing)
    written from the protocol notes and checked against the stored vectors;
  * Pcod: runs the real daemon in a temporary directory on loopback ports
    and talks to its control socket and to pcoctl; at the end of each test
    it stops pcod with SIGTERM (SIGKILL only after PCOTEST_STOP_TIMEOUT s;
    kill9() is for tests of crashes) and fails the test when pcod exits
    non-zero after SIGTERM or its stderr holds a sanitizer report;
  * Runner: a tiny test runner with automake exit codes
    (0 pass, 77 skip, 99 hard error, 1 fail).
Standard library plus python3-cryptography only.

Two passes (issue 14): by default each pcod keeps its store in an SQLite
file of its temporary directory; with PCOD_TEST_STORE=pg (`make check-pg`)
each gets a database of its own on a throw-away PostgreSQL cluster
(pgcluster.py).  Tests read and write the store through Pcod.sql(),
sql_many() and write_lock(), which behave alike on both; a test that is
about the SQLite file itself calls skip_on_pg(why).
"""

import atexit
import calendar
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import pgcluster

HOST = "127.0.0.1"

# Which store the pcods of this run use: "sqlite" (make check) or "pg".
STORE = "pg" if pgcluster.enabled() else "sqlite"

# --------------------------------------------------------------------------
# DC-09
# --------------------------------------------------------------------------

TS_RE = re.compile(r"_(\d\d):(\d\d):(\d\d),(\d\d)-(\d\d)-(\d{4})\Z")
FRAME_RE = re.compile(
    rb'\n([0-9A-Fa-f]{4})0([0-9A-Fa-f]{3})'
    rb'("(\*?)([A-Z0-9-]+)"(\d{4})(?:R([0-9A-F]{1,6}))?(?:L([0-9A-F]{0,6}))?'
    rb'([#A])([0-9A-F]{1,16})(\[.*))\r\Z', re.S)


class ProtocolError(Exception):
    """A frame that does not follow DC-09 (our parser's view)."""


def crc16(data):
    """CRC-16/ARC: reflected 0x8005 (0xA001), init 0, no final XOR."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def ts_format(t=None):
    """Epoch seconds -> '_HH:MM:SS,MM-DD-YYYY' (UTC)."""
    if t is None:
        t = time.time()
    return time.strftime("_%H:%M:%S,%m-%d-%Y", time.gmtime(int(t)))


def ts_parse(s):
    """'_HH:MM:SS,MM-DD-YYYY' -> epoch seconds (UTC)."""
    m = TS_RE.match(s)
    if not m:
        raise ProtocolError("bad timestamp %r" % s)
    hh, mi, ss, mo, dd, yy = (int(x) for x in m.groups())
    return calendar.timegm((yy, mo, dd, hh, mi, ss, 0, 0, 0))


def key_bytes(key):
    """'00112233..' (32/48/64 hex) or 'text:<16/24/32 chars>' -> bytes."""
    if key is None or key in ("", "-"):
        return None
    if isinstance(key, bytes):
        kb = key
    elif key.startswith("text:"):
        kb = key[5:].encode("latin-1")
    else:
        kb = bytes.fromhex(key)
    if len(kb) not in (16, 24, 32):
        raise ValueError("key must be 16, 24 or 32 bytes")
    return kb


def _aes(key, data, encrypt):
    c = Cipher(algorithms.AES(key_bytes(key)), modes.CBC(b"\0" * 16))
    op = c.encryptor() if encrypt else c.decryptor()
    return op.update(data) + op.finalize()


def aes_encrypt(key, data):
    return _aes(key, data, True)


def aes_decrypt(key, data):
    return _aes(key, data, False)


PAD_CHARS = "".join(chr(c) for c in range(0x21, 0x7f) if chr(c) not in "|[]#")


def _pad(n, ch):
    """n pad bytes: random (None), one character repeated, or exactly ch."""
    if ch is None:
        return "".join(random.choice(PAD_CHARS) for _ in range(n))
    if len(ch) == n and n > 1:
        return ch
    return ch[:1] * n


def build(token="SIA-DCS", seq=1, acct="1234", data="", xdata="",
          rcvr="1", line="1", ts="now", key=None, pad="0",
          crc=None, length=None, nak_acct=False, encrypted=None):
    """Build one frame LF..CR as bytes.

    ts: "now" (current UTC), None (no timestamp), a number (epoch) or a
    ready string "_HH:MM:SS,MM-DD-YYYY".  key: encrypt with it (hex or
    text:...).  pad: pad character for encryption, None for random.
    crc/length: override the computed values (to make broken frames).
    """
    if isinstance(seq, int):
        seq = "%04d" % seq
    if ts == "now":
        tss = ts_format()
    elif ts is None:
        tss = ""
    elif isinstance(ts, (int, float)):
        tss = ts_format(ts)
    else:
        tss = ts
    if encrypted is None:
        encrypted = key is not None
    head = '"%s%s"%s' % ("*" if encrypted else "", token, seq)
    if rcvr is not None:
        head += "R" + rcvr
    if line is not None:
        head += "L" + line
    head += ("A" if nak_acct else "#") + acct
    if key is not None:
        plain = data + "]" + xdata + tss
        n = 16 - len(plain.encode("latin-1")) % 16
        plain = (_pad(n, pad) + plain).encode("latin-1")
        body = "[" + aes_encrypt(key, plain).hex().upper()
    else:
        body = "[" + data + "]" + xdata + tss
    span = (head + body).encode("latin-1")
    if crc is None:
        crc = crc16(span)
    if length is None:
        length = len(span)
    return b"\n%04X0%03X" % (crc, length) + span + b"\r"


def sia(seq, acct, body, **kw):
    """SIA-DCS frame with data '#acct|body'."""
    return build("SIA-DCS", seq, acct, "#%s|%s" % (acct, body), **kw)


def cid(seq, acct, body, **kw):
    """ADM-CID frame with data '#acct|body'."""
    return build("ADM-CID", seq, acct, "#%s|%s" % (acct, body), **kw)


def null(seq, acct, **kw):
    """NULL link test."""
    return build("NULL", seq, acct, "", **kw)


class Msg:
    """A parsed frame."""

    def __repr__(self):
        return "<Msg %s>" % self.__dict__


def _split_body(msg, text):
    """text = data ']' xdata ts  -> msg.data/xdata/ts/time."""
    close = text.find("]")
    if close < 0:
        raise ProtocolError("no ] in body %r" % text)
    msg.data_raw = text[:close]
    rest = text[close + 1:]
    m = TS_RE.search(rest)
    if m:
        msg.ts = rest[m.start():]
        msg.time = ts_parse(msg.ts)
        rest = rest[:m.start()]
    else:
        msg.ts, msg.time = "", None
    msg.xdata = rest


def parse(frame, key=None, check=True):
    """Parse one frame (bytes LF..CR).  Verifies CRC and length unless
    check is false; decrypts with key when encrypted and key is given."""
    m = FRAME_RE.match(frame)
    if not m:
        raise ProtocolError("not a frame: %r" % frame)
    msg = Msg()
    msg.frame = frame
    msg.crc = int(m.group(1), 16)
    msg.length = int(m.group(2), 16)
    span = m.group(3)
    msg.crc_ok = crc16(span) == msg.crc
    msg.len_ok = len(span) == msg.length
    if check and not msg.crc_ok:
        raise ProtocolError("CRC mismatch: %r" % frame)
    if check and not msg.len_ok:
        raise ProtocolError("length mismatch: %r" % frame)
    msg.encrypted = m.group(4) == b"*"
    msg.token = m.group(5).decode()
    msg.seq = m.group(6).decode()
    msg.rcvr = m.group(7).decode() if m.group(7) is not None else None
    msg.line = m.group(8).decode() if m.group(8) is not None else None
    msg.nak_acct = m.group(9) == b"A"
    msg.acct = m.group(10).decode()
    msg.body = m.group(11).decode("latin-1")
    msg.plain = None
    msg.data = msg.data_raw = msg.xdata = msg.ts = ""
    msg.time = None
    if not msg.encrypted:
        _split_body(msg, msg.body[1:])
        msg.data = msg.data_raw
    elif key is not None:
        open_encrypted(msg, key)
    return msg


def open_encrypted(msg, key):
    """Decrypt msg.body with key; strip the pad up to the first '|' (or to
    the ']' when there is no data)."""
    hexpart = msg.body[1:]
    try:
        ct = bytes.fromhex(hexpart)
    except ValueError:
        raise ProtocolError("encrypted body is not hex")
    if not ct or len(ct) % 16:
        raise ProtocolError("ciphertext length %d" % len(ct))
    plain = aes_decrypt(key, ct).decode("latin-1")
    msg.plain = plain
    bar, close = plain.find("|"), plain.find("]")
    if close < 0:
        raise ProtocolError("decrypted text has no ]: %r" % plain)
    if 0 <= bar < close:
        msg.pad = plain[:bar]
        _split_body(msg, plain[bar:])
        msg.data = msg.data_raw[1:]
    else:
        msg.pad = plain[:close]
        _split_body(msg, plain[close:])
        msg.data = ""
    return msg


def load_vectors(path=None):
    """Read the vectors file: list of dicts name/key/frame/notes/plaintext."""
    path = path or os.environ.get("VECTORS")
    out = []
    with open(path, encoding="latin-1") as f:
        for ln in f:
            ln = ln.rstrip("\n")
            if not ln.strip() or ln.startswith("#"):
                continue
            parts = ln.split(" | ")
            if len(parts) < 4:
                raise ValueError("bad vector line %r" % ln)
            frame = " | ".join(parts[2:-1])
            frame = frame.replace("\\n", "\n").replace("\\r", "\r")
            pm = re.search(r"(?:plaintext|decrypts to) '([^']*)'", parts[-1])
            out.append({"name": parts[0].strip(),
                        "key": None if parts[1].strip() == "-" else parts[1].strip(),
                        "frame": frame.encode("latin-1"),
                        "notes": parts[-1],
                        "plaintext": pm.group(1) if pm else None})
    return out


# --------------------------------------------------------------------------
# Panels
# --------------------------------------------------------------------------

def _environ_set(env):
    """Set each variable of env in os.environ; None removes it."""
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@contextlib.contextmanager
def environ(env):
    """os.environ with env added for the block (None removes a variable):
    a pcod started in it inherits them."""
    old = {k: os.environ.get(k) for k in env}
    try:
        _environ_set(env)
        yield
    finally:
        _environ_set(old)


class Closed(Exception):
    """The receiver closed the connection."""


class TcpPanel:
    """A TCP alarm panel: send frames, read answers framed LF..CR."""

    def __init__(self, port, host=HOST, timeout=5.0):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def read_frame(self, timeout=None):
        """Next answer frame (bytes).  Raises Closed on EOF/reset and
        socket.timeout when nothing complete arrives in time."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            lf = self.buf.find(b"\n")
            if lf >= 0:
                cr = self.buf.find(b"\r", lf)
                if cr >= 0:
                    fr = self.buf[lf:cr + 1]
                    self.buf = self.buf[cr + 1:]
                    return fr
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no answer within timeout")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                raise Closed("reset")
            if not chunk:
                raise Closed("eof")
            self.buf += chunk

    def read(self, key=None, timeout=None):
        """Next answer, parsed (and decrypted with key if encrypted)."""
        return parse(self.read_frame(timeout), key=key)

    def exchange(self, frame, key=None, timeout=None):
        self.send(frame)
        return self.read(key=key, timeout=timeout)

    def quiet(self, timeout=0.3):
        """True if no further answer arrives within timeout."""
        try:
            self.read_frame(timeout)
            return False
        except (socket.timeout, Closed):
            return True

    def wait_closed(self, timeout):
        """True if the peer closes within timeout (data is discarded)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                if not self.sock.recv(65536):
                    return True
            except (ConnectionResetError, BrokenPipeError):
                return True
            except socket.timeout:
                return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class UdpPanel:
    """A UDP alarm panel: one frame per datagram."""

    def __init__(self, port, host=HOST, timeout=3.0):
        self.addr = (host, port)
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))

    def send(self, frame):
        self.sock.sendto(frame, self.addr)

    def read_frame(self, timeout=None):
        self.sock.settimeout(timeout or self.timeout)
        data, src = self.sock.recvfrom(65536)
        if src != self.addr:
            raise ProtocolError("answer from %r, expected %r" % (src, self.addr))
        return data

    def read(self, key=None, timeout=None):
        return parse(self.read_frame(timeout), key=key)

    def exchange(self, frame, key=None, timeout=None):
        self.send(frame)
        return self.read(key=key, timeout=timeout)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


# --------------------------------------------------------------------------
# The daemon
# --------------------------------------------------------------------------

class HardError(Exception):
    """The harness cannot do its job (pcod does not start, ...): exit 99."""


class CtlError(Exception):
    """The control socket answered ok:false."""

    def __init__(self, code, message):
        Exception.__init__(self, "%s: %s" % (code, message))
        self.code = code
        self.message = message


_INSTANCES = []

# What went wrong with a pcod while it stopped (a sanitizer report, an exit
# status other than 0 after SIGTERM); the Runner fails the test for each.
_PROBLEMS = []

# A sanitizer's report in pcod's stderr (ASan, LSan, UBSan).
SANITIZER_RE = re.compile(r"ERROR: (Address|Leak|Thread|Memory)Sanitizer|"
                          r"runtime error: |SUMMARY: \w+Sanitizer")

# Seconds pcod gets to stop after SIGTERM before the harness kills it.
STOP_TIMEOUT = float(os.environ.get("PCOTEST_STOP_TIMEOUT", "20"))


def _cleanup_all():
    for p in list(_INSTANCES):
        p.cleanup()


def sanitizer_report(text):
    """The sanitizer report in text (from its first line, cut), or None."""
    m = SANITIZER_RE.search(text)
    if not m:
        return None
    start = text.rfind("\n", 0, m.start()) + 1
    lines = text[start:].splitlines()
    return "\n".join(lines[:60])


atexit.register(_cleanup_all)


def _port_free(port, kind):
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind((HOST, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_tcp_port():
    """A free TCP port on HOST (for a listener the test configures)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_tcp(p, port, timeout=10.0, what="listener"):
    """Wait until pcod p accepts on port (listeners bound after start()'s
    probe: http, metrics); HardError with its log if it does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise HardError("%s on port %d not up:\n%s" % (what, port, p.log()))


def free_ports():
    """(tcp, udp) free loopback ports; the same number when possible."""
    for _ in range(20):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((HOST, 0))
        port = s.getsockname()[1]
        s.close()
        if _port_free(port, socket.SOCK_DGRAM):
            return port, port
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((HOST, 0))
    uport = u.getsockname()[1]
    u.close()
    return port, uport


def _binary(var):
    path = os.environ.get(var)
    if not path:
        return None
    return path if os.access(path, os.X_OK) else None



class Console:
    """A control connection of its own: requests with ids; notifications kept
    aside in .notes.  Made from a Pcod (connects as this process) or from a
    connected socket (e.g. one opened by a process of another uid)."""

    def __init__(self, p_or_sock):
        self.sock = p_or_sock if isinstance(p_or_sock, socket.socket) \
            else p_or_sock.ctl_connect()
        self.sock.settimeout(10)
        self.buf = b""
        self.notes = []
        self.id = 0

    def _line(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no line")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed("closed")
            self.buf += chunk
        ln, self.buf = self.buf.split(b"\n", 1)
        return json.loads(ln)

    def req(self, cmd, args=None, timeout=10):
        """Send one request and return its reply object."""
        self.id += 1
        msg = {"id": self.id, "cmd": cmd}
        if args is not None:
            msg["args"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            o = self._line(timeout)
            if "notify" in o and "id" not in o:
                self.notes.append(o)
                continue
            return o

    call = req
    ctl = req

    def notification(self, timeout):
        """The next notification (kept or read), or None."""
        if self.notes:
            return self.notes.pop(0)
        try:
            o = self._line(timeout)
        except socket.timeout:
            return None
        return o if "notify" in o else None

    def wait(self, pred, timeout=5.0):
        """The first notification matching pred (already heard or coming)."""
        deadline = time.monotonic() + timeout
        while True:
            for n in self.notes:
                if pred(n):
                    return n
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                o = self._line(min(left, 0.2))
            except socket.timeout:
                continue
            if "notify" in o:
                self.notes.append(o)

    def closed(self, timeout=3):
        """True if pcod closes this connection within timeout."""
        try:
            self.sock.settimeout(timeout)
            return self.sock.recv(65536) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


class _WriteLock:
    def __init__(self, p):
        self.p = p
        self.h = None

    def __enter__(self):
        if self.p.pgdb:
            self.h = self.p.pgdb.write_lock()
        else:
            self.h = sqlite3.connect(self.p.db_path, isolation_level=None, timeout=5)
            self.h.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *a):
        if self.p.pgdb:
            self.h.release()
        else:
            self.h.execute("ROLLBACK")
            self.h.close()


def skip_on_pg(why):
    """Skip the whole test file on the PostgreSQL pass (exit 77): for tests
    about the SQLite file itself."""
    if STORE == "pg":
        print("# SKIP on the PostgreSQL pass: %s" % why, flush=True)
        sys.exit(77)


def skip_unless_pg(why):
    """Skip the whole test file on the SQLite pass (exit 77): for tests that
    need the PostgreSQL cluster of `make check-pg`."""
    if STORE != "pg":
        print("# SKIP on the SQLite pass: %s" % why, flush=True)
        sys.exit(77)


class Pcod:
    """One pcod process in its own temporary directory.

    conf: dict of directive -> rest of line that replaces the defaults
    (value None drops the directive); extra: additional raw lines.
    """

    DEFAULTS = [
        ("database", '"pcod.db"'),
        ("control", '"pcod.sock" mode 0600'),
        ("listen tcp", "127.0.0.1:{tcp} idle-timeout 2 max-frame 1024 "
                       "max-connections 1000 max-per-address 64"),
        ("listen udp", "127.0.0.1:{udp}"),
        ("timestamp-window", "20 40"),
        ("unknown-accounts", "accept"),
        ("duplicate-window", "600"),
        ("log-level", "debug"),
    ]

    def __init__(self, conf=None, extra=(), start=True, share=None,
                 ready="tcp"):
        """share: another Pcod whose PostgreSQL database this one uses too
        (active/standby receivers); ready: "tcp" waits for the panel
        listener at start, "control" for the control socket only (a
        standby's listeners stay closed)."""
        self.ready = ready
        self.pcod = _binary("PCOD")
        if not self.pcod:
            raise HardError("PCOD not set or not executable")
        self.dir = tempfile.mkdtemp(prefix="pcotest.")
        _INSTANCES.append(self)
        self.tcp_port, self.udp_port = free_ports()
        self.sock_path = os.path.join(self.dir, "pcod.sock")
        self.conf_path = os.path.join(self.dir, "pcod.conf")
        self.db_path = os.path.join(self.dir, "pcod.db")
        self.err_path = os.path.join(self.dir, "pcod.stderr")
        self.proc = None
        self._ctl = None
        self._ctlbuf = b""
        self._id = 0
        # On the PostgreSQL pass: this pcod's own database (db_uri names it).
        self.pgdb = None
        self.owns_db = share is None
        if share is not None:
            self.pgdb = share.pgdb
        elif STORE == "pg":
            try:
                self.pgdb = pgcluster.Database()
            except Exception as e:
                raise HardError("no database on the PostgreSQL cluster: %s" % e)
        self.db_uri = self.pgdb.uri if self.pgdb else None
        self.write_conf(conf, extra)
        if start:
            self.start()

    # -- configuration --
    def conf_text(self, conf=None, extra=()):
        conf = dict(conf or {})
        lines = ["# written by pcotest.py"]
        for k, v in self.DEFAULTS:
            v = conf.pop(k, v)
            if k == "database" and v == '"pcod.db"' and self.db_uri:
                v = '"%s"' % self.db_uri
            if v is not None:
                lines.append("%s %s" % (k, v))
        for k, v in conf.items():
            if v is not None:
                lines.append("%s %s" % (k, v))
        lines.extend(extra)
        text = "\n".join(lines) + "\n"
        return text.replace("{tcp}", str(self.tcp_port)).replace(
            "{udp}", str(self.udp_port))

    def write_conf(self, conf=None, extra=(), path=None):
        path = path or self.conf_path
        with open(path, "w") as f:
            f.write(self.conf_text(conf, extra))
        return path

    # -- process --
    def start(self, timeout=10.0):
        # A console connection to a pcod that exited by itself is dead.
        self._ctl_close()
        errf = open(self.err_path, "ab")
        try:
            self.proc = subprocess.Popen([self.pcod, "-f", "-c", self.conf_path],
                                         stdin=subprocess.DEVNULL, stdout=errf,
                                         stderr=errf, cwd=self.dir)
        finally:
            errf.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HardError("pcod exited with %d at start-up:\n%s"
                                % (self.proc.returncode, self.log()))
            if self._probe():
                return self
            time.sleep(0.05)
        raise HardError("pcod not ready after %.0f s:\n%s" % (timeout, self.log()))

    def _probe(self):
        try:
            u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            u.settimeout(1)
            u.connect(self.sock_path)
            u.close()
            if self.ready == "control":
                return True
            t = socket.create_connection((HOST, self.tcp_port), timeout=1)
            t.close()
            return True
        except OSError:
            return False

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=None):
        """Signal pcod and wait; returns its exit code (None if it had to
        be killed after timeout).  After SIGTERM or SIGINT anything but
        exit 0 is a problem the Runner reports as a failure."""
        self._ctl_close()
        if not self.running():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout or STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill9()
            rc = None
        if sig in (signal.SIGTERM, signal.SIGINT) and rc != 0:
            _PROBLEMS.append("pcod (%s) %s after %s" % (
                self.dir, "did not stop in %.0f s" % (timeout or STOP_TIMEOUT)
                if rc is None else "exited with status %d" % rc,
                signal.Signals(sig).name))
        return rc

    def kill9(self):
        """SIGKILL, for tests of crashes: nothing is checked."""
        self._ctl_close()
        if self.running():
            self.proc.kill()
            self.proc.wait(10)

    def check_log(self):
        """Report a sanitizer report in pcod's stderr as a problem, once."""
        rep = sanitizer_report(self.log())
        if rep and not getattr(self, "_reported", False):
            self._reported = True
            _PROBLEMS.append("sanitizer report in pcod's stderr (%s):\n%s"
                             % (self.dir, rep))

    def restart(self):
        """Stop (if running) and start again on the same directory and DB."""
        if self.running():
            self.stop()
        return self.start()

    def log(self):
        try:
            with open(self.err_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def rss_kb(self):
        with open("/proc/%d/status" % self.pid) as f:
            for ln in f:
                if ln.startswith("VmRSS:"):
                    return int(ln.split()[1])
        return None

    def cleanup(self):
        """Stop pcod with SIGTERM (SIGKILL only after STOP_TIMEOUT), so its
        leaks are checked, then remove its folder."""
        try:
            if self.running():
                self.stop()
            self.check_log()
        except Exception as e:
            _PROBLEMS.append("cannot stop pcod (%s): %s" % (self.dir, e))
            try:
                self.kill9()
            except Exception:
                pass
        if self in _INSTANCES:
            _INSTANCES.remove(self)
        if os.environ.get("PCOTEST_KEEP"):
            sys.stderr.write("# kept %s%s\n" % (self.dir, " and " + self.db_uri
                                                 if self.pgdb else ""))
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
            self._drop_pgdb()

    def _drop_pgdb(self):
        if self.pgdb and self.owns_db:
            try:
                self.pgdb.drop()
            except Exception as e:
                _PROBLEMS.append("cannot drop %s: %s" % (self.db_uri, e))

    # -- the store, engine-neutral --
    def sql(self, query, *params):
        """Run one statement on pcod's store (parameters as ?); its rows as
        a list of tuples of int, float, str, bytes or None, on either
        engine (a comparison reads as 1 or 0 on both)."""
        if self.pgdb:
            return self.pgdb.sql(query, *params)
        db = sqlite3.connect(self.db_path, timeout=10)
        try:
            rows = db.execute(query, params).fetchall()
            db.commit()
            return rows
        finally:
            db.close()

    def schema_version(self):
        """The store's schema version, on either engine."""
        if self.pgdb:
            return num(self.sql("SELECT version FROM schema_version")[0][0])
        return num(self.sql("PRAGMA user_version")[0][0])

    def indexes(self, table):
        """The names of table's indexes (its primary key's left out), on
        either engine, sorted."""
        if self.pgdb:
            rows = self.sql("SELECT indexname FROM pg_indexes WHERE"
                            " tablename = ?", table)
        else:
            rows = self.sql("SELECT name FROM sqlite_master WHERE type ="
                            " 'index' AND tbl_name = ?", table)
        return sorted(r[0] for r in rows if not r[0].endswith("_pkey") and
                      not r[0].startswith("sqlite_autoindex"))

    def downgrade_to_17(self):
        """Make the stopped pcod's store what schema 17 left: SQLite's
        events_received back (PostgreSQL kept it)."""
        if self.pgdb:
            self.sql("UPDATE schema_version SET version = 17")
        else:
            self.sql("CREATE INDEX events_received ON events(received_ms)")
            self.sql("PRAGMA user_version = 17")

    def downgrade_to_16(self):
        """Make the stopped pcod's store what schema 16 left: every frame in
        frames (a frame sharing its only event's row, as schema 17 stores
        it, gets a row of its own, with ids after the newest frame), no
        frame columns on events, events_frame over every row."""
        self.downgrade_to_17()
        cols = ", ".join(FRAME_OWN)
        rows = self.sql("SELECT id, received_ms, account, panel_time,"
                        " unknown_account, %s FROM events WHERE frame_id IS"
                        " NULL AND transport IS NOT NULL ORDER BY id" % cols)
        top = num(self.sql("SELECT coalesce(max(id), 0) FROM frames")[0][0])
        if rows:
            self.sql_many("INSERT INTO frames (id, received_ms, account,"
                          " panel_time, unknown_account, %s) VALUES (%s)"
                          % (cols, ", ".join(["?"] * (5 + len(FRAME_OWN)))),
                          [(top + k,) + tuple(r[1:])
                           for k, r in enumerate(rows, 1)])
            self.sql_many("UPDATE events SET frame_id = ? WHERE id = ?",
                          [(top + k, r[0]) for k, r in enumerate(rows, 1)])
        self.sql("DROP INDEX events_retx")
        self.sql("DROP INDEX events_frame")
        for c in FRAME_OWN:
            self.sql("ALTER TABLE events DROP COLUMN %s" % c)
        self.sql("CREATE INDEX events_frame ON events(frame_id)")
        if self.pgdb:
            self.sql("UPDATE schema_version SET version = 16")
        else:
            self.sql("PRAGMA user_version = 16")

    def sql_many(self, query, rows):
        """Run query for each tuple of rows, in one transaction."""
        if self.pgdb:
            return self.pgdb.sql_many(query, rows)
        db = sqlite3.connect(self.db_path, timeout=10)
        try:
            db.executemany(query, rows)
            db.commit()
        finally:
            db.close()

    def write_lock(self):
        """Hold the store's write lock from another session, as a foreign
        writer would (SQLite: BEGIN IMMEDIATE on the file; PostgreSQL: every
        table locked EXCLUSIVE); a context manager."""
        return _WriteLock(self)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.cleanup()

    # -- panels --
    def tcp(self, timeout=5.0):
        return TcpPanel(self.tcp_port, timeout=timeout)

    def udp(self, timeout=3.0):
        return UdpPanel(self.udp_port, timeout=timeout)

    # -- control socket --
    def _ctl_close(self):
        if self._ctl:
            try:
                self._ctl.close()
            except OSError:
                pass
        self._ctl = None
        self._ctlbuf = b""

    def ctl_connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.sock_path)
        return s

    def ctl_send_raw(self, line):
        """Send raw bytes on the shared control connection."""
        if not self._ctl:
            self._ctl = self.ctl_connect()
        self._ctl.sendall(line)

    def ctl_read(self, timeout=10.0):
        """Next reply object (notifications are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            nl = self._ctlbuf.find(b"\n")
            if nl >= 0:
                ln, self._ctlbuf = self._ctlbuf[:nl], self._ctlbuf[nl + 1:]
                if not ln.strip():
                    continue
                obj = json.loads(ln)
                if isinstance(obj, dict) and "notify" in obj and "id" not in obj:
                    continue
                return obj
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("control: no reply")
            self._ctl.settimeout(left)
            chunk = self._ctl.recv(65536)
            if not chunk:
                self._ctl_close()
                raise Closed("control socket closed")
            self._ctlbuf += chunk

    def ctl(self, cmd, args=None, id=None):
        """Send one request; return the whole reply object."""
        self._id += 1
        rid = self._id if id is None else id
        req = {"id": rid, "cmd": cmd}
        if args is not None:
            req["args"] = args
        self.ctl_send_raw(json.dumps(req).encode() + b"\n")
        return self.ctl_read()

    def call(self, cmd, **args):
        """Send a request; return its result or raise CtlError."""
        r = self.ctl(cmd, args)
        if not r.get("ok"):
            e = r.get("error") or {}
            raise CtlError(e.get("code"), e.get("message"))
        return r.get("result")

    def status(self):
        return self.call("status")

    def counters(self):
        return self.status()["counters"]

    def add_account(self, acct, key=None, name=None, **kw):
        args = dict(kw, account=acct)
        if key is not None:
            args["key"] = key
        if name is not None:
            args["name"] = name
        return self.call("account.add", **args)

    def events(self, account=None, limit=10000, **kw):
        args = dict(kw)
        if account is not None:
            args["account"] = account
        if limit is not None:
            args["limit"] = limit
        r = self.call("event.list", **args)
        if isinstance(r, dict) and "events" in r:
            r = r["events"]
        return r

    def pcoctl(self, *argv, json_out=False, timeout=10):
        """Run pcoctl -s SOCK [--json] argv...; (rc, stdout, stderr)."""
        exe = _binary("PCOCTL")
        if not exe:
            raise HardError("PCOCTL not set or not executable")
        cmd = [exe, "-s", self.sock_path] + (["--json"] if json_out else []) + list(argv)
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), \
            p.stderr.decode("utf-8", "replace")

    def check_conf(self, path):
        """pcod -n -c path: (rc, stderr)."""
        p = subprocess.run([self.pcod, "-n", "-c", path], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=10)
        return p.returncode, p.stderr.decode("utf-8", "replace")


# --------------------------------------------------------------------------
# Helpers for assertions
# --------------------------------------------------------------------------

# The schema version this pcod writes (sql/), and the columns a frame that
# shares its only event's row keeps there (schema 17, src/store.c).
SCHEMA_VERSION = 18
FRAME_OWN = ("transport", "peer", "token", "encrypted", "seq", "rcvr", "line",
             "raw", "data", "xdata", "digest", "ext", "retx")


def num(v):
    """'015' / 15 / None -> int or None (for lenient field comparison)."""
    if v is None or v == "":
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        try:
            return int(str(v), 10)
        except ValueError:
            return v


def truthy(v):
    return v in (True, 1, "1", "true", "yes")


def wait_for(pred, timeout=5.0, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


class RetransmittingPanel(threading.Thread):
    """A panel as a takeover or a database failover meets it: sends seq
    1..n for one account, one frame at a time (the same bytes each time),
    and waits for its answer.  A NAK: the same frame again.  A receiver it
    cannot reach, or one that does not answer within 3 s: the next of its
    ports (a primary and a backup receiver, as panels are programmed), on
    a new connection, and the same frame again.  acked: seq -> (port,
    monotonic time) of its ACK."""

    def __init__(self, ports, acct, n):
        threading.Thread.__init__(self, daemon=True)
        self.ports, self.acct, self.n = list(ports), acct, n
        self.frames = {}
        self.acked = {}
        self.naks = 0
        self.timeouts = 0
        self.switches = 0       # moves to the next port
        self.retried = set()    # seqs sent more than once
        self.error = None
        self.stop = False

    def frame(self, seq):
        if seq not in self.frames:
            self.frames[seq] = sia(seq, self.acct,
                                   "Nri1/BA%02d" % (seq % 99 + 1))
        return self.frames[seq]

    def _next_port(self, cur):
        if len(self.ports) > 1:
            self.switches += 1
        return (cur + 1) % len(self.ports)

    def run(self):
        cur, c, seq = 0, None, 1
        try:
            while seq <= self.n and not self.stop:
                if c is None:
                    try:
                        c = TcpPanel(self.ports[cur], timeout=3)
                    except OSError:
                        cur = self._next_port(cur)
                        time.sleep(0.1)
                        continue
                try:
                    c.send(self.frame(seq))
                    a = c.read(timeout=3)
                except (Closed, socket.timeout, OSError, ProtocolError):
                    self.timeouts += 1
                    self.retried.add(seq)
                    c.close()
                    c = None
                    cur = self._next_port(cur)
                    continue
                if a.token == "ACK" and a.seq == "%04d" % seq:
                    self.acked[seq] = (self.ports[cur], time.monotonic())
                    seq += 1
                else:
                    self.naks += 1
                    self.retried.add(seq)
                    time.sleep(0.1)
        except Exception as e:          # reported by the test
            self.error = e
        finally:
            if c is not None:
                c.close()


# --------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------

class Failure(Exception):
    pass


class Skipped(Exception):
    """The current test does not apply to this pass (Runner.skip_on_pg)."""


class Runner:
    """Tiny runner: t.check(cond, name) prints ok/FAIL; tests are functions
    taking the runner.  Exit: 0 all passed, 1 some failed, 77 skipped,
    99 hard error.  A watchdog fails the whole file after `limit` s."""

    def __init__(self, limit=55):
        self.passed = 0
        self.failed = 0
        self.hard = False
        self.tests = []
        self.limit = limit
        self.current = None
        self.skipped = 0

    def test(self, fn):
        self.tests.append(fn)
        return fn

    def check(self, cond, name, detail=None):
        if cond:
            self.passed += 1
            print("ok - %s" % name, flush=True)
        else:
            self.failed += 1
            print("FAIL - %s%s" % (name, (": %s" % detail) if detail is not None else ""),
                  flush=True)
        return bool(cond)

    def require(self, cond, name, detail=None):
        """check(); on failure abort the current test."""
        if not self.check(cond, name, detail):
            raise Failure(name)

    def eq(self, got, want, name):
        return self.check(got == want, name, "got %r, want %r" % (got, want))

    def skip_on_pg(self, why):
        """End the current test as skipped on the PostgreSQL pass: for a
        test about the SQLite file itself (say which part)."""
        if STORE == "pg":
            raise Skipped(why)

    def skip_unless_pg(self, why):
        """End the current test as skipped on the SQLite pass: for a test
        of what only PostgreSQL does (several pcod on one database)."""
        if STORE != "pg":
            raise Skipped(why)

    def info(self, msg):
        print("# %s" % msg, flush=True)

    def _problems(self):
        """Fail the current test once for each problem seen stopping pcod."""
        while _PROBLEMS:
            msg = _PROBLEMS.pop(0).splitlines()
            self.check(False, "%s: %s" % (self.current, msg[0]))
            for ln in msg[1:]:
                print("#   " + ln)

    @staticmethod
    def _alarm(signum, frame):
        raise TimeoutError("test file exceeded its time limit")

    def run(self):
        if not _binary("PCOD"):
            print("# PCOD not set or not executable: skipping")
            sys.exit(77)
        signal.signal(signal.SIGALRM, self._alarm)
        signal.alarm(self.limit)
        try:
            for fn in self.tests:
                self.current = fn.__name__
                print("# --- %s" % fn.__name__, flush=True)
                try:
                    fn(self)
                except Failure:
                    pass
                except Skipped as e:
                    self.skipped += 1
                    print("# skip - %s on the %s pass: %s" % (
                        fn.__name__, "PostgreSQL" if STORE == "pg" else
                        "SQLite", e), flush=True)
                except HardError as e:
                    self.hard = True
                    print("FAIL - %s: harness error: %s" % (fn.__name__, e), flush=True)
                    self.failed += 1
                except TimeoutError as e:
                    print("FAIL - %s: %s" % (fn.__name__, e), flush=True)
                    self.failed += 1
                    break
                except Exception as e:
                    self.failed += 1
                    print("FAIL - %s: exception %s: %s" % (fn.__name__, type(e).__name__, e),
                          flush=True)
                    for ln in traceback.format_exc().splitlines():
                        print("#   " + ln)
                finally:
                    _dump_logs_on_failure(self)
                    _cleanup_all()
                    self._problems()
        finally:
            signal.alarm(0)
            _cleanup_all()
            self._problems()
        print("%d passed, %d failed%s" % (self.passed, self.failed, ", %d skipped"
                                          % self.skipped if self.skipped else ""),
              flush=True)
        if self.skipped and not self.passed and not self.failed:
            sys.exit(77)
        if self.hard and self.passed == 0:
            sys.exit(99)
        sys.exit(1 if self.failed else 0)


_LAST_FAILED = [0]


def _dump_logs_on_failure(runner):
    """Print each live pcod's stderr (tail) when the last test failed."""
    if runner.failed > _LAST_FAILED[0]:
        for p in _INSTANCES:
            lines = p.log().splitlines()
            print("# pcod log (%s), last %d lines:" % (p.dir, min(len(lines), 30)))
            for ln in lines[-30:]:
                print("#   " + ln)
    _LAST_FAILED[0] = runner.failed
