#!/usr/bin/python3
"""The metrics listener: GET /metrics in the Prometheus text format 0.0.4,
parsed strictly by a parser of our own, with counters checked against the
frames sent and the status command; 404/405; the listener's limits against
an oversized request, junk and a hundred idle connections; the directive's
checks (loopback only unless allowed, no clash with a panel port)."""

import http.client
import math
import os
import re
import shutil
import socket
import subprocess
import time

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=150)

KEY = "00112233445566778899AABBCCDDEEFF"
CONF = {"supervision-grace": "0", "take-deadline": "1",
        "escalation-interval": "1"}

# --------------------------------------------------------------------------
# A strict parser of the text exposition format, version 0.0.4
# --------------------------------------------------------------------------

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
FLOAT_RE = re.compile(r"[+-]?(?:Inf|NaN|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\Z")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class FormatError(Exception):
    pass


def parse_float(s, where):
    if not FLOAT_RE.match(s):
        raise FormatError("%s: bad value %r" % (where, s))
    return float(s)


def parse_labels(s, where):
    """'a="x",b="y\\"z"' -> dict; escapes \\\\, \\" and \\n only."""
    labels, i = {}, 0
    while i < len(s):
        m = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"").match(s, i)
        if not m:
            raise FormatError("%s: bad label at %r" % (where, s[i:]))
        name, i, val = m.group(1), m.end(), []
        if name.startswith("__"):
            raise FormatError("%s: reserved label name %r" % (where, name))
        while True:
            if i >= len(s):
                raise FormatError("%s: unterminated label value" % where)
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise FormatError("%s: bad escape \\%s" % (where, nxt))
                val.append("\n" if nxt == "n" else nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise FormatError("%s: newline in label value" % where)
            else:
                val.append(c)
                i += 1
        if name in labels:
            raise FormatError("%s: duplicate label %r" % (where, name))
        labels[name] = "".join(val)
        if i < len(s):
            if s[i] != ",":
                raise FormatError("%s: expected , at %r" % (where, s[i:]))
            i += 1
    return labels


def family_of(sample, types):
    """The family a sample name belongs to (histogram parts included)."""
    if sample in types:
        return sample
    for suf in ("_bucket", "_sum", "_count"):
        if sample.endswith(suf) and types.get(sample[:-len(suf)]) in (
                "histogram", "summary"):
            return sample[:-len(suf)]
    return None


def parse_exposition(text):
    """Every line checked; {family: {type, help, samples: [(name, labels, v)]}}."""
    if text and not text.endswith("\n"):
        raise FormatError("the last line does not end with a newline")
    fams, types, done, seen, current = {}, {}, set(), set(), None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d" % n
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME_RE.match(name):
                    raise FormatError("%s: bad metric name %r" % (where, name))
                f = fams.setdefault(name, {"type": None, "help": None, "samples": []})
                if f["samples"] or name in done:
                    raise FormatError("%s: %s after the samples of %s"
                                      % (where, parts[1], name))
                if parts[1] == "HELP":
                    if f["help"] is not None:
                        raise FormatError("%s: second HELP for %s" % (where, name))
                    text_ = parts[3] if len(parts) > 3 else ""
                    if re.search(r"\\[^\\n]", text_.replace("\\\\", "")):
                        raise FormatError("%s: bad escape in HELP" % where)
                    f["help"] = text_
                else:
                    if f["type"] is not None:
                        raise FormatError("%s: second TYPE for %s" % (where, name))
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise FormatError("%s: bad TYPE line %r" % (where, line))
                    f["type"] = types[name] = parts[3]
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)(?: (-?\d+))?\Z", line)
        if not m:
            raise FormatError("%s: not a sample: %r" % (where, line))
        name, lab, val = m.group(1), m.group(2), m.group(3)
        labels = parse_labels(lab, where) if lab else {}
        v = parse_float(val, where)
        fam = family_of(name, types)
        if fam is None:
            raise FormatError("%s: sample %s without a TYPE" % (where, name))
        if current != fam:
            if fam in done:
                raise FormatError("%s: samples of %s not together" % (where, fam))
            if current is not None:
                done.add(current)
            current = fam
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise FormatError("%s: duplicate series %r" % (where, key))
        seen.add(key)
        fams[fam]["samples"].append((name, labels, v))
    for name, f in fams.items():
        check_family(name, f)
    return fams


def check_family(name, f):
    """Type rules: counters end in _total and never go negative; histograms
    have cumulative monotone buckets ending in +Inf and _count == +Inf."""
    if f["type"] is None or f["help"] is None:
        raise FormatError("%s lacks TYPE or HELP" % name)
    if not f["samples"]:
        raise FormatError("%s has no samples" % name)
    if f["type"] == "counter":
        if not name.endswith("_total"):
            raise FormatError("counter %s does not end in _total" % name)
        for s in f["samples"]:
            if s[0] != name or s[2] < 0 or math.isnan(s[2]):
                raise FormatError("bad counter sample %r" % (s,))
    elif f["type"] == "histogram":
        check_histogram(name, f["samples"])


def check_histogram(name, samples):
    groups = {}
    for s, labels, v in samples:
        rest = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
        g = groups.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if s == name + "_bucket":
            if "le" not in labels:
                raise FormatError("%s bucket without le" % name)
            g["buckets"].append((parse_float(labels["le"], name), v))
        elif s == name + "_sum":
            g["sum"] = v
        elif s == name + "_count":
            g["count"] = v
        else:
            raise FormatError("%s: stray sample %s" % (name, s))
    for g in groups.values():
        b = g["buckets"]
        if not b or b[-1][0] != math.inf:
            raise FormatError("%s: no +Inf bucket last" % name)
        for (le0, c0), (le1, c1) in zip(b, b[1:]):
            if le1 <= le0:
                raise FormatError("%s: le not ascending" % name)
            if c1 < c0:
                raise FormatError("%s: buckets not cumulative" % name)
        if g["count"] is None or g["sum"] is None:
            raise FormatError("%s: _sum or _count missing" % name)
        if g["count"] != b[-1][1]:
            raise FormatError("%s: _count %s != +Inf bucket %s"
                              % (name, g["count"], b[-1][1]))
        if g["sum"] < 0:
            raise FormatError("%s: negative _sum" % name)


def value(fams, name, **labels):
    for s, lab, v in fams.get(name, {}).get("samples", []):
        if s == name and lab == {k: str(x) for k, x in labels.items()}:
            return v
    return None


def hist(fams, name):
    """{count, sum, buckets: [(le, cumulative)]} of an unlabelled histogram."""
    out = {"buckets": []}
    for s, lab, v in fams[name]["samples"]:
        if s.endswith("_bucket"):
            out["buckets"].append((float(lab["le"]), v))
        elif s.endswith("_sum"):
            out["sum"] = v
        elif s.endswith("_count"):
            out["count"] = v
    return out


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------



def wait_metrics(p, port, host=pt.HOST):
    """pcod's start-up probe sees the panel and control sockets; the metrics
    listener is bound a moment later."""
    def up():
        try:
            socket.create_connection((host, port), timeout=1).close()
            return True
        except OSError:
            return False
    if not pt.wait_for(up, timeout=5):
        raise pt.HardError("metrics listener %s:%d not up:\n%s"
                           % (host, port, p.log()))
    p.mport = port
    return p


def started(opts="", conf=None):
    port = pt.free_tcp_port()
    c = dict(CONF)
    c.update(conf or {})
    p = Pcod(conf=c, extra=["metrics 127.0.0.1:%d %s" % (port, opts)])
    return wait_metrics(p, port)


def request(p, method="GET", path="/metrics", headers=None, body=None,
            host=pt.HOST):
    conn = http.client.HTTPConnection(host, p.mport, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def scrape(p):
    """A fresh scrape: past the 100 ms pcod keeps a rendering for."""
    time.sleep(0.12)
    status, hdrs, body = request(p)
    if status != 200:
        raise pt.HardError("scrape: %d %r" % (status, body[:200]))
    ctype = hdrs.get("Content-Type", "")
    if not ctype.startswith("text/plain; version=0.0.4"):
        raise FormatError("Content-Type %r" % ctype)
    return parse_exposition(body.decode("utf-8"))


def raw(p, data, timeout=5):
    """Send raw bytes; return everything read until pcod closes (or timeout)."""
    s = socket.create_connection((pt.HOST, p.mport), timeout=timeout)
    got = b""
    try:
        s.sendall(data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    return got


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------

@T.test
def counters_move_by_what_was_sent(t):
    p = started()
    p.add_account("1234")
    p.add_account("4321", key=KEY)          # keyed: plaintext is refused
    f0 = scrape(p)
    t.check(True, "first scrape parses strictly")
    base = {k: value(f0, k) for k in ("pcod_frames_received_total",
                                      "pcod_events_stored_total")}
    with p.tcp() as c:
        for i in range(3):
            a = c.exchange(pt.sia(i + 1, "1234", "Nri1/BA0%d" % (i + 1)))
            t.eq(a.token, "ACK", "event frame %d acknowledged" % (i + 1))
        t.eq(c.exchange(pt.sia(4, "1234", "Nri1/BA09", crc=0)).token, "NAK",
             "broken CRC: NAK")
        t.eq(c.exchange(pt.sia(5, "4321", "Nri1/BA01")).token, "DUH",
             "plaintext for a keyed account: DUH")
        t.eq(c.exchange(pt.null(6, "1234")).token, "ACK", "link test: ACK")
    f = scrape(p)
    d = lambda name, **lab: value(f, name, **lab) - (value(f0, name, **lab) or 0)
    t.eq(d("pcod_frames_received_total"), 6, "frames +6")
    t.eq(d("pcod_events_stored_total"), 3, "events +3")
    t.eq(d("pcod_link_tests_total"), 1, "link tests +1")
    t.eq(d("pcod_answers_total", kind="ACK"), 4, "ACK +4")
    t.eq(d("pcod_answers_total", kind="NAK"), 1, "NAK +1")
    t.eq(d("pcod_answers_total", kind="DUH"), 1, "DUH +1")
    t.eq(d("pcod_frames_rejected_total", reason="crc"), 1, "rejected crc +1")
    t.eq(d("pcod_frames_rejected_total", reason="plaintext"), 1,
         "rejected plaintext +1")
    t.eq(d("pcod_frames_rejected_total", reason="decrypt"), 0,
         "rejected decrypt unchanged")
    t.eq(value(f, "pcod_accounts"), 2, "two accounts")
    ack = hist(f, "pcod_ack_latency_seconds")
    ack0 = hist(f0, "pcod_ack_latency_seconds")
    t.eq(ack["count"] - ack0["count"], 3,
         "ACK latency observed once per event frame (not the link test)")
    t.check(0 < ack["sum"] < 30, "ACK latency sum plausible", ack["sum"])
    com = hist(f, "pcod_commit_latency_seconds")
    t.check(com["count"] >= 3, "a commit latency per committed batch", com)
    bs = hist(f, "pcod_commit_batch_size")
    t.check(bs["count"] - hist(f0, "pcod_commit_batch_size")["count"] >= 3,
            "a batch size per commit", bs)
    t.check(bs["sum"] >= 3, "batch sizes add up to the frames at least", bs)
    # The same figures as status, which reads the same counters.
    st = p.status()
    cnt = st["counters"]
    t.eq(value(f, "pcod_frames_received_total"), cnt["frames"], "frames = status")
    t.eq(value(f, "pcod_events_stored_total"), cnt["events"], "events = status")
    t.eq(value(f, "pcod_commits_total"), cnt["commits"], "commits = status")
    t.eq(value(f, "pcod_panel_connections_accepted_total"), cnt["connections"],
         "connections = status")
    t.eq(st["histograms"]["ack_latency_us"]["count"], ack["count"],
         "status shows the same ACK latency histogram")
    opened = sum(v for s, lab, v in f["pcod_alarms_open"]["samples"])
    t.eq(opened, st["alarms_open"]["total"], "open alarms = status")
    t.check(opened >= 1, "the burglary raised an alarm", opened)
    t.eq(sum(v for s, lab, v in f["pcod_alarms_open"]["samples"]
             if lab["priority"] == "2" and lab["state"] == "new"),
         st["alarms_open"]["by_priority"]["2"], "priority 2 = status")
    t.eq(value(f, "pcod_build_info", version=st["version"]), 1,
         "build info names the version")
    t.check(abs(value(f, "process_start_time_seconds") - time.time()) < 120,
            "start time is now-ish")
    t.check(value(f, "process_open_fds") > 5, "open fds counted")


@T.test
def connections_by_transport(t):
    import test_tls                     # its certificate and TLS panel
    p = Pcod(conf=dict(CONF), start=False)
    cert, key = test_tls.make_cert(p.dir)
    tls_port, p.mport = pt.free_tcp_port(), pt.free_tcp_port()
    p.write_conf(conf=dict(CONF), extra=[
        'listen tls %s:%d cert "%s" key "%s"' % (pt.HOST, tls_port, cert, key),
        "metrics 127.0.0.1:%d" % p.mport])
    p.start()
    wait_metrics(p, p.mport)
    f0 = scrape(p)
    t.eq((value(f0, "pcod_panel_connections", transport="tcp"),
          value(f0, "pcod_panel_connections", transport="tls")), (0, 0),
         "no panel connected")
    with p.tcp() as c1, p.tcp() as c2, \
            test_tls.TlsPanel(tls_port, cert) as c3:
        for i, c in enumerate((c1, c2, c3)):
            t.eq(c.exchange(pt.null(i + 1, "1234")).token, "ACK",
                 "link test %d" % (i + 1))
        f = scrape(p)
        t.eq((value(f, "pcod_panel_connections", transport="tcp"),
              value(f, "pcod_panel_connections", transport="tls")), (2, 1),
             "two TCP panels and one TLS panel")
        t.eq(p.counters().get("connections_open_tls"), 1, "status agrees")
    f = pt.wait_for(lambda: (lambda x: x if value(
        x, "pcod_panel_connections", transport="tcp") == 0 and value(
        x, "pcod_panel_connections", transport="tls") == 0 else None)(scrape(p)),
        timeout=5)
    t.check(f, "all gone once they hang up")


@T.test
def failed_commits_never_count_backwards(t):
    """Under a foreign write lock every batch fails and its frames are NAKed:
    the ACK and event counters must not move (nor ever go down), the
    failures must."""
    p = started()
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(1, "1234", "Nri1/BA01")).token, "ACK", "before")
    f0 = scrape(p)
    with p.write_lock():
        with p.tcp() as c:
            got = [c.exchange(pt.sia(10 + i, "1234", "Nri1/BA0%d" % (i + 2))).token
                   for i in range(5)]
        f1 = scrape(p)
    t.eq(set(got), {"NAK"}, "frames under the lock: NAK")
    d = lambda f, name, **lab: value(f, name, **lab) - value(f0, name, **lab)
    t.eq(d(f1, "pcod_answers_total", kind="ACK"), 0, "no ACK counted")
    t.eq(d(f1, "pcod_events_stored_total"), 0, "no event counted")
    t.eq(d(f1, "pcod_answers_total", kind="NAK"), 5, "five NAKs")
    t.eq(d(f1, "pcod_frames_rejected_total", reason="store"), 5,
         "rejected for the store")
    t.check(d(f1, "pcod_commit_failures_total") >= 1, "commit failures counted")
    t.eq(hist(f1, "pcod_ack_latency_seconds")["count"],
         hist(f0, "pcod_ack_latency_seconds")["count"], "no ACK latency observed")
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(20, "1234", "Nri1/BA07")).token, "ACK", "after")
    f2 = scrape(p)
    t.eq(d(f2, "pcod_answers_total", kind="ACK"), 1, "one ACK after the lock")
    t.eq(d(f2, "pcod_events_stored_total"), 1, "one event after the lock")


@T.test
def escalations_silence_consoles(t):
    p = started()
    p.add_account("1234")
    p.add_account("5555")
    r = p.ctl("account.update", {"account": "5555", "supervision": "2"})
    t.require(r.get("ok"), "supervision 2 s", r)
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(1, "1234", "Nri1/FA01")).token, "ACK", "fire event")
    extra = pt.Console(p)
    f = pt.wait_for(lambda: (lambda x: x if value(x, "pcod_escalations_total") > 0
                             and value(x, "pcod_accounts_silent") >= 1 else None)(scrape(p)),
                    timeout=10, step=0.3)
    t.require(f, "an escalation and a silent account show up")
    t.eq(value(f, "pcod_accounts_supervised"), 1, "one supervised account")
    t.eq(value(f, "pcod_accounts_silent"), 1, "it is silent")
    st = p.status()
    t.eq(st["supervision"], {"supervised": 1, "silent": 1}, "status agrees")
    t.check(st["counters"]["escalations"] >= value(f, "pcod_escalations_total"),
            "status counts the escalations too")
    t.check(value(f, "pcod_console_connections") >= 2,
            "consoles counted (ours and the extra)", value(f, "pcod_console_connections"))
    extra.close()


@T.test
def not_found_and_methods(t):
    p = started()
    for path in ("/", "/metric", "/metrics/", "/METRICS", "/metrics/../x",
                 "/%6detrics"):
        st, _, _ = request(p, path=path)
        t.eq(st, 404, "GET %s: 404" % path)
    for m in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
        st, hdrs, _ = request(p, method=m, body=b"" if m != "POST" else b"x=1")
        t.eq(st, 405, "%s /metrics: 405" % m)
        t.eq(hdrs.get("Allow"), "GET, HEAD", "%s: Allow header" % m)
    st, hdrs, body = request(p, method="HEAD")
    t.eq((st, body), (200, b""), "HEAD /metrics: 200 without a body")
    st, _, body = request(p, path="/metrics?name[]=x&debug=1")
    t.eq(st, 200, "a query string is ignored")
    parse_exposition(body.decode())
    # A method nobody knows is not implemented (RFC 9110 15.6.2).
    got = raw(p, b"BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    t.check(re.match(rb"HTTP/1\.[01] (400|405|501) ", got) is not None,
            "an unknown method is refused", got[:60])
    f = scrape(p)
    t.check(value(f, "pcod_http_responses_total", code="404") >= 6,
            "404s counted")
    t.check(value(f, "pcod_http_responses_total", code="405") >= 5,
            "405s counted")


@T.test
def abuse_does_not_stop_a_scrape(t):
    p = started("max-connections 8 timeout 3")
    # Headers over the limit: refused, the connection closed.
    big = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 100000 + b"\r\n\r\n"
    got = raw(p, big)
    t.check(got == b"" or b" 413 " in got.split(b"\r\n")[0] or b" 400 " in got.split(b"\r\n")[0],
            "oversized headers refused", got[:80])
    # A body over the limit on a GET.
    got = raw(p, b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n"
              + b"z" * 70000)
    t.check(b"200 OK" not in got[:40], "oversized body not served", got[:80])
    got = raw(p, b"\x00\xff garbage\r\n\r\n")
    t.check(b"200 OK" not in got, "junk request refused", got[:60])
    t.check(p.running(), "pcod survives the junk")
    # A hundred idle connections, some with half a request line.
    idle = []
    for i in range(100):
        s = socket.create_connection((pt.HOST, p.mport), timeout=5)
        if i % 3 == 0:
            s.sendall(b"GET /metr")
        idle.append(s)
    time.sleep(0.3)
    t0 = time.monotonic()
    f = scrape(p)
    took = time.monotonic() - t0
    t.check(took < 2, "scrape served at once beside 100 idle connections "
            "(%.3f s)" % took)
    t.check(value(f, "pcod_http_connections") <= 8,
            "the connection cap holds", value(f, "pcod_http_connections"))
    t.check(value(f, "pcod_http_connections_evicted_total") >= 90,
            "the oldest were closed to make room",
            value(f, "pcod_http_connections_evicted_total"))
    # The panels do not notice.
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(1, "1234", "Nri1/BA01")).token, "ACK",
             "panels are served meanwhile")
    closed = 0
    for s in idle:
        s.settimeout(0.05)
        try:
            if s.recv(1) == b"":
                closed += 1
        except socket.timeout:
            pass
        except OSError:
            closed += 1
        s.close()
    t.check(closed >= 90, "pcod closed the idle connections (%d)" % closed)


@T.test
def scrapes_in_a_loop_share_a_rendering(t):
    p = started()
    conn = http.client.HTTPConnection(pt.HOST, p.mport, timeout=5)
    bodies = []
    for _ in range(20):
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        bodies.append(r.read())
        t.require(r.status == 200, "scrape on a kept-alive connection")
    conn.close()
    t.check(len(set(bodies)) < 20, "back-to-back scrapes reuse the rendering "
            "(%d distinct of 20)" % len(set(bodies)))
    for b in set(bodies):
        parse_exposition(b.decode())
    f = scrape(p)
    t.check(value(f, "pcod_http_responses_total", code="200") >= 20,
            "every scrape is answered and counted")


@T.test
def scrape_flood_does_not_slow_the_panels(t):
    import threading
    p = started()
    stop, counts = threading.Event(), [0]

    def hammer():
        conn = http.client.HTTPConnection(pt.HOST, p.mport, timeout=5)
        while not stop.is_set():
            conn.request("GET", "/metrics")
            conn.getresponse().read()
            counts[0] += 1
        conn.close()

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for th in threads:
        th.start()
    worst, tokens = 0.0, []
    try:
        with p.tcp() as c:
            for i in range(20):
                t0 = time.monotonic()
                tokens.append(c.exchange(pt.sia(i + 1, "1234", "Nri1/BA01")).token)
                worst = max(worst, time.monotonic() - t0)
    finally:
        stop.set()
        for th in threads:
            th.join(10)
    t.eq(set(tokens), {"ACK"}, "20 events acknowledged during the flood")
    t.check(worst < 1.0, "the slowest ACK took %.3f s while %d scrapes ran"
            % (worst, counts[0]))


@T.test
def idle_connection_times_out(t):
    p = started("timeout 1")
    s = socket.create_connection((pt.HOST, p.mport), timeout=5)
    t0 = time.monotonic()
    try:
        got = s.recv(100)
    except (ConnectionResetError, socket.timeout):
        got = None
    took = time.monotonic() - t0
    s.close()
    t.eq(got, b"", "an idle connection is closed by pcod")
    t.check(0.5 < took < 4, "after the timeout (%.1f s)" % took)
    f = scrape(p)
    t.eq(value(f, "pcod_http_connections"), 1, "only the scrape's connection left")


@T.test
def reload_keeps_the_listener(t):
    """metrics needs a restart: SIGHUP says so and the old listener serves on."""
    import signal
    p = started()
    old = p.mport
    p.write_conf(conf=dict(CONF), extra=["metrics 127.0.0.1:%d" % pt.free_tcp_port()])
    p.send_signal(signal.SIGHUP)
    t.check(pt.wait_for(lambda: "the new metrics takes effect at the next "
                        "restart" in p.log(), timeout=5),
            "the reload says the new metrics needs a restart")
    p.mport = old
    t.check("pcod_frames_received_total" in scrape(p), "the old port serves on")


@T.test
def directive_checks(t):
    p = Pcod(start=False)
    port = pt.free_tcp_port()
    cases = [
        ("metrics 10.1.2.3:%d" % port, "not a loopback address"),
        ("metrics *:%d" % port, "not a loopback address"),
        ("metrics [::]:%d" % port, "not a loopback address"),
        ("metrics 127.0.0.1:%d allow-remote maybe" % port, "yes or no"),
        ("metrics 127.0.0.1:%d max-connections 0" % port, "out of range"),
        ("metrics 127.0.0.1:%d timeout" % port, "needs a value"),
        ("metrics 127.0.0.1:%d colour blue" % port, "unknown option"),
        ("metrics localhost:%d" % port, "numeric"),
        ("metrics 127.0.0.1:{tcp}", "already used by listen"),
    ]
    for line, want in cases:
        path = p.write_conf(extra=[line], path=os.path.join(p.dir, "bad.conf"))
        rc, err = p.check_conf(path)
        t.check(rc == 1 and want in err and re.search(r"bad\.conf:\d+: metrics", err),
                "refused: %s" % line, err.strip())
    for line in ("metrics 10.1.2.3:%d allow-remote yes" % port,
                 "metrics [::1]:%d" % port,
                 "metrics [::ffff:127.0.0.1]:%d" % port,
                 "metrics 127.0.0.2:%d max-connections 4 timeout 30" % port):
        path = p.write_conf(extra=[line], path=os.path.join(p.dir, "ok.conf"))
        rc, err = p.check_conf(path)
        t.eq(rc, 0, "accepted: %s" % line)
    path = p.write_conf(extra=["metrics 127.0.0.1:%d" % port] * 2,
                        path=os.path.join(p.dir, "twice.conf"))
    rc, err = p.check_conf(path)
    t.check(rc == 1 and "duplicate" in err, "metrics only once", err.strip())


@T.test
def ipv6_loopback(t):
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        port = s.getsockname()[1]
        s.close()
    except OSError:
        t.info("no IPv6 loopback here: skipped")
        return
    p = Pcod(conf=dict(CONF), extra=["metrics [::1]:%d" % port])
    wait_metrics(p, port, host="::1")
    st, _, body = request(p, host="::1")
    t.eq(st, 200, "scrape over [::1]")
    parse_exposition(body.decode())


@T.test
def alert_rules_name_real_metrics(t):
    """Every metric the example rules use is one pcod serves."""
    path = os.path.join(os.environ.get("TESTDATA", "tests"), "..", "etc",
                        "prometheus", "pcod-alerts.yml")
    with open(path) as f:
        text = f.read()
    exprs = re.findall(r"^\s+expr: (?:>-\n)?((?:.+\n)+?)(?=\s+(?:for|labels):)",
                       text, re.M)
    t.check(len(exprs) >= 5, "alert rules found (%d)" % len(exprs))
    used = set(re.findall(r"\b((?:pcod|process)_[a-z_]+)", " ".join(exprs)))
    for need in ("pcod_commit_failures_total", "pcod_frames_received_total",
                 "pcod_accounts_silent"):
        t.check(need in used, "a rule on %s" % need)
    p = started()
    f = scrape(p)
    names = set(f)
    for fam in f.values():
        names.update(s for s, _, _ in fam["samples"])
    for name in sorted(used):
        t.check(name in names, "the rules' %s is served" % name)
    tool = shutil.which("promtool")
    if tool:
        r = subprocess.run([tool, "check", "rules", path], capture_output=True,
                           timeout=30)
        t.eq(r.returncode, 0, "promtool check rules")
    else:
        t.info("promtool not installed: rules checked for names only")


@T.test
def parser_rejects_bad_exposition(t):
    """The parser above is strict: it must refuse what is wrong."""
    good = ("# HELP a_total x\n# TYPE a_total counter\na_total 1\n"
            "# HELP h y\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
            "h_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n")
    parse_exposition(good)
    bad = [
        good.replace("h_count 2", "h_count 3"),                  # count != +Inf
        good.replace('h_bucket{le="1"} 1', 'h_bucket{le="1"} 5'),  # not cumulative
        good.replace('h_bucket{le="+Inf"} 2\n', ""),            # no +Inf
        good.replace("a_total", "a"),                             # counter name
        good.replace("a_total 1", "a_total one"),                 # value
        good.replace('le="1"', 'le="1\\x"'),                      # escape
        good + "a_total 2\n",                                     # duplicate / split
        good.rstrip("\n"),                                        # last newline
        "b 1\n",                                                  # no TYPE
        good.replace("# TYPE a_total counter", "# TYPE a_total countr"),
    ]
    for i, text in enumerate(bad):
        try:
            parse_exposition(text)
            t.check(False, "bad exposition %d refused" % i)
        except FormatError:
            t.check(True, "bad exposition %d refused" % i)


@T.test
def wal_syncs_and_checkpoints(t):
    """The syncer's figures (issue 12): status "sync" and the metrics, the
    same numbers; one sync-time observation per sync."""
    t.skip_on_pg("the WAL sync and checkpoint threads are SQLite's; "
                 "PostgreSQL's COMMIT is durable when it returns")
    p = started()
    p.add_account("1234")
    st0 = p.status().get("sync")
    t.require(isinstance(st0, dict), "status has a sync object", p.status())
    t.eq(sorted(st0), ["checkpoints", "last_ms", "running_ms", "slowest_ms", "syncs"],
         "sync: syncs, last_ms, slowest_ms, running_ms, checkpoints")
    with p.tcp() as c:
        acks = [c.exchange(pt.sia(i + 1, "1234", "Nri1/BA%02d" % (i + 1))).token
                for i in range(20)]
    t.eq(acks, ["ACK"] * 20, "20 events acknowledged")
    time.sleep(0.3)                     # let the last sync finish
    st = p.status()["sync"]
    t.check(st["syncs"] >= st0["syncs"] + 1,
            "each acknowledged event was synced (group commit may merge)", (st0, st))
    t.check(0 <= st["last_ms"] <= st["slowest_ms"] < 30000, "times plausible", st)
    t.eq(st["running_ms"], 0, "no sync runs when idle")
    f = scrape(p)
    t.eq(value(f, "pcod_wal_syncs_total"), st["syncs"], "syncs = status")
    t.eq(value(f, "pcod_checkpoints_total"), st["checkpoints"], "checkpoints = status")
    t.eq(f["pcod_wal_syncs_total"]["type"], "counter", "syncs: a counter")
    t.eq(f["pcod_checkpoints_total"]["type"], "counter", "checkpoints: a counter")
    h = hist(f, "pcod_wal_sync_seconds")
    t.eq(h["count"], st["syncs"], "one sync-time observation per sync")
    t.check(0 <= h["sum"] <= st["syncs"] * (st["slowest_ms"] + 1) / 1000.0,
            "the sum of the sync times is bounded by the slowest", (h, st))
    t.check(h["buckets"][0][0] == 0.0001 and h["buckets"][-2][0] == 10.0,
            "buckets from 100 us to 10 s", h["buckets"])
    rc, out, err = p.pcoctl("status")
    t.check(rc == 0 and "sync.syncs" in out and "sync.checkpoints" in out,
            "pcoctl status shows the sync figures", [rc, out, err])
    # Each commit appends its pages to the WAL: a few hundred one-event
    # commits grow it past the checkpoint thread's threshold.
    t0 = time.monotonic()
    with p.tcp() as c:
        for i in range(600):
            c.exchange(pt.sia(i % 9999 + 1, "1234", "Nri1/BA%02d" % (i % 99 + 1)))
            if i % 50 == 49 and p.status()["sync"]["checkpoints"] > st["checkpoints"]:
                break
    t.check(pt.wait_for(lambda: p.status()["sync"]["checkpoints"] > st["checkpoints"],
                        timeout=3), "the checkpoint thread ran (counted)",
            [p.status()["sync"], i + 1, time.monotonic() - t0])
    f = scrape(p)
    t.eq(value(f, "pcod_checkpoints_total"), p.status()["sync"]["checkpoints"],
         "checkpoints = status after they ran")
    t.info("checkpoint after %d one-event commits, %.1f s"
           % (i + 1, time.monotonic() - t0))

if __name__ == "__main__":
    T.run()
