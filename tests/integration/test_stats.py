#!/usr/bin/python3
"""stats.handling: handling times from receipt to take and to close, per
priority, operator, day and hour, on alarms written into the database
before pcod starts (independent of the alarm engine)."""

import calendar
import json
import os
import socket
import subprocess

import pcotest as pt
from pcotest import Pcod

T = pt.Runner()

B = calendar.timegm((2024, 3, 1, 10, 0, 0)) * 1000   # 2024-03-01T10:00:00Z
DAY = 86400 * 1000

# (created_ms, take delay ms or None, close delay ms, priority, who, escalated)
ALARMS = [
    (B, 10000, 100000, 1, "alice", 0),
    (B + 60000, 20000, 200000, 1, "alice", 0),
    (B + 120000, 40000, 300000, 2, "bob", 0),
    (B + 180000, 70000, 400000, 2, "bob", 1),
    (B + 240000, 25500, 130000, 1, "bob", 0),
    (B + DAY, None, 50000, 3, "carol", 1),         # closed without a take
    (B - 29 * DAY, 5000, 10000, 1, "alice", 0),    # before the period
]
PERIOD = {"since": "2024-03-01T00:00:00Z", "until": "2024-03-03T00:00:00Z"}


def err_code(r):
    return None if r.get("ok") else (r.get("error") or {}).get("code")


def fill(p):
    p.sql_many(
        "INSERT INTO alarms (account, class, kind, priority, state,"
        " escalated, first_ms, last_ms, created_ms, taken_by, taken_ms,"
        " closed_by, closed_ms, resolution) VALUES ('1234', 'burglary',"
        " 'event', ?, 'closed', ?, ?, ?, ?, ?, ?, ?, ?, 'false_user')",
        [(prio, esc, created, created, created,
          who if take is not None else None,
          created + take if take is not None else None,
          who, created + close)
         for created, take, close, prio, who, esc in ALARMS])


def started():
    """pcod with the alarms above in its database."""
    p = Pcod(conf={"control": '"pcod.sock" mode 0666'})
    p.stop()
    fill(p)
    p.start()
    return p


def r1(v):
    return None if v is None else round(v, 1)


def pick(row, *keys):
    return tuple(r1(row.get(k)) if isinstance(row.get(k), float) else row.get(k)
                 for k in keys)


def groups(res):
    return {g.get("group"): g for g in res.get("groups", [])}


@T.test
def by_priority(t):
    p = started()
    res = p.call("stats.handling", **PERIOD)
    t.eq(res.get("by"), "priority", "default grouping is priority")
    t.eq((res.get("since"), res.get("until")),
         ("2024-03-01T00:00:00Z", "2024-03-03T00:00:00Z"), "period echoed")
    g = groups(res)
    t.eq(sorted(g), [1, 2, 3], "one group per priority, in order")
    t.eq([x.get("group") for x in res.get("groups", [])], [1, 2, 3], "groups sorted")
    keys = ("count", "taken", "closed", "untaken", "escalated")
    t.eq(pick(g.get(1, {}), *keys), (3, 3, 3, 0, 0), "priority 1 counts")
    t.eq(pick(g.get(2, {}), *keys), (2, 2, 2, 0, 1), "priority 2 counts")
    t.eq(pick(g.get(3, {}), *keys), (1, 0, 1, 1, 1), "priority 3 counts")
    tk = ("take_mean", "take_p50", "take_p90", "take_p95", "take_max")
    t.eq(pick(g.get(1, {}), *tk), (18.5, 20.0, 25.5, 25.5, 25.5), "priority 1 take times")
    t.eq(pick(g.get(2, {}), *tk), (55.0, 40.0, 70.0, 70.0, 70.0), "priority 2 take times")
    t.eq(pick(g.get(3, {}), *tk), (None,) * 5, "priority 3: never taken -> null")
    ck = ("close_mean", "close_p50", "close_max")
    t.eq(pick(g.get(1, {}), *ck), (143.3, 130.0, 200.0), "priority 1 close times")
    t.eq(pick(g.get(3, {}), *ck), (50.0, 50.0, 50.0), "priority 3 close time")
    sh = ("taken_30s_pct", "taken_60s_pct")
    t.eq(pick(g.get(1, {}), *sh), (100.0, 100.0), "priority 1 shares")
    t.eq(pick(g.get(2, {}), *sh), (0.0, 50.0), "priority 2 shares")
    t.eq(pick(g.get(3, {}), *sh), (0.0, 0.0), "priority 3 shares")
    tot = res.get("total", {})
    t.eq(pick(tot, *keys), (6, 5, 6, 1, 2), "total counts")
    t.eq(pick(tot, "take_mean", "take_p50", "take_p90", "take_p95", "take_max"),
         (33.1, 25.5, 70.0, 70.0, 70.0), "total take times")
    t.eq(pick(tot, *sh), (50.0, 66.7, ), "total shares (untaken count against)")
    one = p.call("stats.handling", priority=2, **PERIOD)
    t.eq([x.get("group") for x in one.get("groups", [])], [2], "priority filter")
    t.eq(one.get("total", {}).get("count"), 2, "priority filter total")
    allt = p.call("stats.handling")
    t.eq(allt.get("total", {}).get("count"), 7, "no period: every alarm")
    until = p.call("stats.handling", until="2024-03-01T10:02:00Z")
    t.eq(until.get("total", {}).get("count"), 3, "until is exclusive")


@T.test
def by_operator_day_hour(t):
    p = started()
    g = groups(p.call("stats.handling", by="operator", **PERIOD))
    t.eq(sorted(g), ["alice", "bob", "carol"], "one group per operator")
    t.eq(pick(g.get("alice", {}), "count", "take_mean", "take_p50", "taken_30s_pct"),
         (2, 15.0, 10.0, 100.0), "alice")
    t.eq(pick(g.get("bob", {}), "count", "take_mean", "take_p50", "taken_30s_pct",
              "taken_60s_pct", "escalated"),
         (3, 45.2, 40.0, 33.3, 66.7, 1), "bob")
    t.eq(pick(g.get("carol", {}), "count", "taken", "untaken"), (1, 0, 1),
         "carol closed one untaken alarm")
    d = p.call("stats.handling", by="day", **PERIOD)
    t.eq([(x.get("group"), x.get("count")) for x in d.get("groups", [])],
         [("2024-03-01", 5), ("2024-03-02", 1)], "by day (UTC)")
    h = p.call("stats.handling", by="hour", **PERIOD)
    t.eq([(x.get("group"), x.get("count")) for x in h.get("groups", [])],
         [("2024-03-01T10:00Z", 5), ("2024-03-02T10:00Z", 1)], "by hour (UTC)")
    rc, out, err = p.pcoctl("stats", "handling", "--by", "operator",
                            "--since", PERIOD["since"], json_out=True)
    t.check(rc == 0 and "alice" in out, "pcoctl stats handling", (rc, out, err))


@T.test
def errors(t):
    p = started()
    t.eq(err_code(p.ctl("stats.handling", {"by": "week"})), "bad_args",
         "unknown grouping -> bad_args")
    t.eq(err_code(p.ctl("stats.handling", {"since": "yesterday"})), "bad_args",
         "bad time -> bad_args")
    t.eq(err_code(p.ctl("stats.handling", {"since": "2024-03-02T00:00:00Z",
                                           "until": "2024-03-01T00:00:00Z"})),
         "bad_args", "until before since -> bad_args")
    empty = p.call("stats.handling", since="2030-01-01T00:00:00Z")
    t.eq((empty.get("groups"), empty.get("total", {}).get("count")), ([], 0),
         "empty period: no groups, total 0")


def as_nobody(sock_path, requests):
    """Send requests from uid 65534 (no login yet); return the replies."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(rfd)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(sock_path)
            f = s.makefile("rwb")
            out = []
            for i, (cmd, args) in enumerate(requests):
                f.write(json.dumps({"id": i + 1, "cmd": cmd, "args": args}).encode() + b"\n")
                f.flush()
                while True:
                    obj = json.loads(f.readline())
                    if "id" in obj:
                        break
                out.append(obj)
            os.write(wfd, json.dumps(out).encode())
        except Exception as e:
            os.write(wfd, json.dumps({"exception": str(e)}).encode())
        os._exit(0)
    os.close(wfd)
    data = b""
    while True:
        chunk = os.read(rfd, 65536)
        if not chunk:
            break
        data += chunk
    os.close(rfd)
    os.waitpid(pid, 0)
    return json.loads(data or b"null")


@T.test
def roles(t):
    if os.geteuid() != 0:
        t.info("skip - not root: cannot connect as another uid to check roles")
        return
    p = started()
    os.chmod(p.dir, 0o711)
    ops = p.ctl("operator.add", {"login": "op1", "role": "operator",
                                 "password": "correct horse 1"})
    if err_code(ops) == "unknown_command":
        t.info("skip - operator.add not there: roles not checked")
        return
    p.call("operator.add", login="sup1", role="supervisor", password="correct horse 2")
    r = as_nobody(p.sock_path, [
        ("stats.handling", {}),
        ("auth.login", {"login": "op1", "password": "correct horse 1"}),
        ("stats.handling", {}),
        ("supervision.list", {}),
        ("auth.login", {"login": "sup1", "password": "correct horse 2"}),
        ("stats.handling", PERIOD),
    ])
    t.require(isinstance(r, list) and len(r) == 6, "console as uid 65534", r)
    t.eq(err_code(r[0]), "forbidden", "not logged in: stats.handling forbidden")
    t.check(r[1].get("ok"), "operator logs in", r[1])
    t.eq(err_code(r[2]), "forbidden", "operator: stats.handling forbidden")
    t.check(r[3].get("ok"), "operator: supervision.list allowed", r[3])
    t.check(r[4].get("ok"), "supervisor logs in", r[4])
    t.eq((r[5].get("result") or {}).get("total", {}).get("count"), 6,
         "supervisor: stats.handling allowed")


# --- local days and hours (issue 12): Prague, across both DST changes --------

PRAGUE = "CET-1CEST,M3.5.0,M10.5.0/3"
Z = lambda *a: calendar.timegm(a + (0,) * (6 - len(a))) * 1000  # noqa: E731
LOCAL = [
    Z(2026, 3, 28, 22, 30),     # 23:30 CET, 28 March
    Z(2026, 3, 28, 23, 30),     # 00:30 CET, 29 March (UTC: still the 28th)
    Z(2026, 3, 29, 21, 30),     # 23:30 CEST, 29 March (a 23-hour day)
    Z(2026, 10, 24, 22, 30),    # 00:30 CEST, 25 October (UTC: the 24th)
    Z(2026, 10, 25, 0, 30),     # 02:30+02:00, the first 02:00 hour
    Z(2026, 10, 25, 1, 30),     # 02:30+01:00, the same hour again in CET
    Z(2026, 10, 25, 22, 59),    # 23:59 CET, 25 October (a 25-hour day)
    Z(2026, 10, 25, 23, 0),     # 00:00 CET, 26 October
]
LPERIOD = {"since": "2026-03-01T00:00:00Z", "until": "2026-11-01T00:00:00Z"}


def started_local():
    p = Pcod(conf={"control": '"pcod.sock" mode 0666'})
    p.stop()
    p.sql_many(
        "INSERT INTO alarms (account, class, kind, priority, state,"
        " escalated, first_ms, last_ms, created_ms, taken_by, taken_ms,"
        " closed_by, closed_ms, resolution) VALUES ('1234', 'burglary',"
        " 'event', 1, 'closed', 0, ?, ?, ?, 'ann', ?, 'ann', ?, 'false_user')",
        [(created, created, created, created + 1000, created + 2000)
         for created in LOCAL])
    p.start()
    return p


def pairs(res):
    return [(x.get("group"), x.get("count")) for x in res.get("groups", [])]


DAYS_UTC = [("2026-03-28", 2), ("2026-03-29", 1), ("2026-10-24", 1),
            ("2026-10-25", 4)]
DAYS_PRAGUE = [("2026-03-28", 1), ("2026-03-29", 2), ("2026-10-25", 4),
               ("2026-10-26", 1)]


@T.test
def local_days(t):
    p = started_local()
    utc = p.call("stats.handling", by="day", **LPERIOD)
    t.eq(pairs(utc), DAYS_UTC, "without tz: UTC days as before")
    t.eq(utc.get("tz"), "UTC", "the reply says UTC")
    loc = p.call("stats.handling", by="day", tz=PRAGUE, **LPERIOD)
    t.eq(pairs(loc), DAYS_PRAGUE,
         "Prague days: each alarm by the offset in force when it came in")
    t.eq(loc.get("tz"), PRAGUE, "the reply names the zone")
    t.eq(loc.get("total", {}).get("count"), len(LOCAL), "the total is unchanged")
    iana = p.call("stats.handling", by="day", tz="Europe/Prague", **LPERIOD)
    t.eq(pairs(iana), pairs(loc), "an IANA name gives the same days")
    h = p.call("stats.handling", by="hour", tz=PRAGUE, **LPERIOD)
    oct25 = [g for g in pairs(h) if g[0].startswith("2026-10-25T02")]
    t.eq(oct25, [("2026-10-25T02:00+02:00", 1), ("2026-10-25T02:00+01:00", 1)],
         "the repeated autumn hour is two groups, told apart by the offset")
    t.eq(pairs(p.call("stats.handling", by="hour", **LPERIOD))[0],
         ("2026-03-28T22:00Z", 1), "UTC hours as before")
    prio = p.call("stats.handling", by="priority", tz=PRAGUE, **LPERIOD)
    t.eq(pairs(prio), [(1, len(LOCAL))], "tz does not change other groupings")
    for bad in ["", "Mars/Olympus", "../../etc/passwd", "CET-1CEST,M13.5.0",
                "x" * 129, "/etc/localtime"]:
        r = p.ctl("stats.handling", {"by": "day", "tz": bad})
        t.eq(err_code(r), "bad_args", "tz %r refused" % bad[:20])
    r = p.ctl("stats.handling", {"by": "day", "tz": 5})
    t.eq(err_code(r), "bad_args", "a number is no zone")
    t.check(p.running(), "pcod survives bad zones")


def pcoctl_env(p, env, *argv):
    e = {k: v for k, v in os.environ.items() if k != "TZ"}
    e.update(env)
    r = subprocess.run([os.environ["PCOCTL"], "-s", p.sock_path] + list(argv),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=20,
                       env=e)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


@T.test
def pcoctl_local_days(t):
    p = started_local()
    args = ["stats", "handling", "--by", "day", "--since", LPERIOD["since"],
            "--until", LPERIOD["until"]]
    for env in [{"TZ": "Europe/Prague"}, {"TZ": ":Europe/Prague"}, {"TZ": PRAGUE},
                {"TZ": "/usr/share/zoneinfo/Europe/Prague"}]:
        rc, out, err = pcoctl_env(p, env, "--json", *args)
        res = json.loads(out) if rc == 0 else {}
        t.eq(pairs(res), DAYS_PRAGUE, "pcoctl sends its zone (%s)" % env["TZ"])
    rc, out, err = pcoctl_env(p, {"TZ": "Europe/Prague"}, "--json", "--utc", *args)
    res = json.loads(out) if rc == 0 else {}
    t.eq(pairs(res), DAYS_UTC, "--utc keeps UTC days")
    rc, out, err = pcoctl_env(p, {"TZ": "Europe/Prague"}, *args)
    t.check(rc == 0 and "2026-10-26" in out and "CET-1CEST" in out,
            "the table says which zone", [rc, out, err])
    rc, out, err = pcoctl_env(p, {"TZ": "Europe/Prague"}, "--json", *args,
                              "--tz", "UTC0")
    t.eq(pairs(json.loads(out) if rc == 0 else {}), DAYS_UTC,
         "--tz overrides the local zone")

if __name__ == "__main__":
    T.run()
