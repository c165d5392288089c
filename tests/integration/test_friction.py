#!/usr/bin/python3
"""Console friction (issue 12, item 8): protocol call steps checked against
the sites' call lists, alarm.show naming contacts, units and zones, the
object's key positional for every command, dates and local times accepted
where times are, times shown in local time (or UTC with --utc), and digit-only
strings kept as strings."""

import glob
import json
import os
import re
import socket
import subprocess
import tempfile
import threading

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=150)

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")


def ctl(p_or_sock, *argv, env=None, json_out=False):
    """pcoctl -s SOCK [--json] argv with extra environment: (rc, out, err)."""
    sock = p_or_sock if isinstance(p_or_sock, str) else p_or_sock.sock_path
    e = {k: v for k, v in os.environ.items()
         if k not in ("PCOCTL_PASSWORD", "PCOCTL_NEW_PASSWORD", "TZ")}
    e.update(env or {})
    cmd = [os.environ["PCOCTL"], "-s", sock] + (["--json"] if json_out else [])
    r = subprocess.run(cmd + list(argv), stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=20, env=e, start_new_session=True)
    return r.returncode, r.stdout.decode("utf-8", "replace"), \
        r.stderr.decode("utf-8", "replace")


def code(r):
    return None if r.get("ok") else (r.get("error") or {}).get("code")


def message(r):
    return (r.get("error") or {}).get("message", "")


def put(p, name, steps, **kw):
    args = {"name": name, "approved_by": "J. Smith (ACME)", "steps": steps}
    args.update(kw)
    return p.ctl("protocol.put", args)


def call(target, deadline=120):
    return {"action": "call", "target": target, "deadline": deadline}


def site(p, name, contacts):
    sid = p.call("site.add", name=name)["id"]
    for i in range(contacts):
        p.call("site.contact.add", site=sid, name="%s contact %d" % (name, i + 1),
               phone="+420 600 %06d" % (sid * 100 + i + 1))
    return sid


# --- protocol call steps against the call lists ------------------------------

@T.test
def own_protocol_refused(t):
    p = Pcod()
    a = site(p, "Bank", 2)
    r = put(p, "BankPlan", [call(1), call(9)], site=a)
    t.eq(code(r), "bad_args", "a site's own protocol calling contact 9 of 2 is refused")
    m = message(r)
    t.check("steps[1]" in m and "contact 9" in m and "site %d" % a in m and "Bank" in m,
            "the message names the step, the contact and the site", m)
    t.eq(code(p.ctl("protocol.show", {"name": "BankPlan"})), "not_found",
         "nothing of the refused protocol was kept")
    # A phone number is no position; position 2 exists.
    r = put(p, "BankPlan", [call(2), call("+420 222 333 444")], site=a)
    t.check(r.get("ok") and "warnings" not in r["result"],
            "calling contact 2 of 2 and a phone number is fine", r)
    # Shrinking the call list below what the site's own protocol calls: refused.
    contacts = p.call("site.show", id=a)["contacts"]
    r = p.ctl("site.contact.remove", {"id": contacts[1]["id"]})
    t.eq(code(r), "bad_state", "removing contact 2 that BankPlan calls is refused")
    t.check("BankPlan" in message(r) and "site %d" % a in message(r),
            "the refusal names the protocol and the site", message(r))
    t.eq(len(p.call("site.show", id=a)["contacts"]), 2, "the contact is still there")
    # An import that replaces the call list with a shorter one: refused too.
    doc = p.call("site.export", id=a)
    doc["site"]["contacts"] = doc["site"]["contacts"][:1]
    r = p.ctl("site.import", {"document": doc, "replace": True})
    t.eq(code(r), "bad_state", "an import leaving one contact is refused")
    t.eq(len(p.call("site.show", id=a)["contacts"]), 2, "the import changed nothing")
    # A new version calling contact 1 only: then contact 2 may go.
    t.check(put(p, "BankPlan", [call(1)], site=a).get("ok"), "BankPlan v2 calls 1")
    r = p.ctl("site.contact.remove", {"id": contacts[1]["id"]})
    t.check(r.get("ok") and "warnings" not in r["result"], "contact 2 may go now", r)


@T.test
def shared_protocol_warns(t):
    p = Pcod()
    big = site(p, "Mall", 3)
    small = site(p, "Kiosk", 1)
    empty = site(p, "Shed", 0)
    own = site(p, "Own", 0)
    t.check(put(p, "OwnPlan", [{"action": "text", "text": "look", "deadline": 60}],
                site=own).get("ok"), "Own has a protocol of its own")
    r = put(p, "Centre", [call(1), call(2)], **{"class": "burglary"})
    t.require(r.get("ok"), "a centre-wide protocol calling contact 2 is kept", r)
    w = r["result"].get("warnings") or []
    got = sorted((x["site"], x["step"], x["contact"], x["contacts"]) for x in w)
    t.eq(got, [(small, 2, 2, 1), (empty, 1, 1, 0), (empty, 2, 2, 0)],
         "warnings: the sites it reaches whose call list is short, by step")
    t.check(all("message" in x and x.get("site_name") for x in w),
            "each warning has a message and the site's name", w)
    t.check(big not in [x["site"] for x in w] and own not in [x["site"] for x in w],
            "no warning for a site with enough contacts or its own protocol")
    # The operator's view: pcoctl shows the warnings with the put.
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"name": "Centre", "class": "burglary", "approved_by": "x",
                   "steps": [call(2)]}, f)
    rc, out, err = ctl(p, "protocol", "put", f.name)
    os.unlink(f.name)
    t.check(rc == 0 and "Kiosk" in out and "calls contact 2" in out,
            "pcoctl protocol put shows the warnings", (rc, out, err))
    # Removing a contact below a shared protocol's step: kept, with a warning.
    c = p.call("site.show", id=big)["contacts"]
    r = p.ctl("site.contact.remove", {"id": c[2]["id"]})
    t.check(r.get("ok"), "a contact a shared protocol may call can still go", r)
    c = p.call("site.show", id=big)["contacts"]
    r = p.ctl("site.contact.remove", {"id": c[1]["id"]})
    t.check(r.get("ok") and any(x["site"] == big and x["contact"] == 2
                                for x in r["result"].get("warnings", [])),
            "and the reply warns that Centre calls contact 2", r)


# --- alarm.show names contacts, units and zones -------------------------------

@T.test
def alarm_show_names(t):
    p = Pcod()
    sid = site(p, "Shop", 1)
    p.call("site.zone.set", site=sid, number=12, name="PIR hall")
    unit = p.call("site.unit.add", site=sid, kind="guard", name="Patrol 7",
                  phone="+420 111 222")["id"]
    t.require(put(p, "Shared", [call(1), call(3),
                                {"action": "dispatch", "target": unit, "deadline": 300},
                                {"action": "dispatch", "target": 99999, "deadline": 300},
                                {"action": "dispatch", "target": "guard", "deadline": 300},
                                {"action": "dispatch", "target": "police", "deadline": 300}],
                  **{"class": "burglary"}).get("ok"), "shared protocol put")
    p.add_account("1234", site=sid)
    with p.tcp() as tc:
        tc.exchange(pt.sia(1, "1234", "Nri1/BA12"))
    alarms = pt.wait_for(lambda: p.call("alarm.list"), timeout=5)
    t.require(alarms, "an alarm was raised")
    a = p.call("alarm.show", id=alarms[0]["id"])
    steps = a["steps"]
    t.eq((steps[0].get("contact") or {}).get("name"), "Shop contact 1",
         "call 1: the contact's name")
    t.eq((steps[0].get("contact") or {}).get("phone"), "+420 600 000101",
         "call 1: the contact's phone")
    t.check(steps[1].get("contact", "absent") is None and
            "NO CONTACT 3" in (steps[1].get("problem") or ""),
            "call 3 on a site with one contact: a loud problem", steps[1])
    t.eq((steps[2].get("unit") or {}).get("name"), "Patrol 7", "dispatch: the unit")
    t.check("NO UNIT 99999" in (steps[3].get("problem") or ""),
            "dispatch to a unit the site lacks: a problem", steps[3])
    t.eq((steps[4].get("unit") or {}).get("phone"), "+420 111 222",
         "dispatch guard: the site's guard unit")
    t.check("unit" not in steps[5] and "problem" not in steps[5],
            "dispatch police without a police unit: no unit, no problem", steps[5])
    t.eq([e.get("zone_name") for e in a["events"]], ["PIR hall"],
         "each event names its zone")
    t.eq(a.get("zone_name"), "PIR hall", "the alarm names its zone")
    rc, out, err = ctl(p, "alarm", "show", str(alarms[0]["id"]))
    t.check(rc == 0 and "Shop contact 1" in out and "+420 600 000101" in out and
            "NO CONTACT 3" in out and "PIR hall" in out and "Patrol 7" in out,
            "pcoctl alarm show shows names, phones, problems and zones", out)


# --- positional keys, walked over pcod's and pcoctl's tables ------------------

class FakePcod:
    """A control socket that records each request and answers ok."""

    def __init__(self, path):
        self.path = path
        self.requests = []
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(8)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            with c:
                buf = b""
                while b"\n" not in buf:
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
                if b"\n" not in buf:
                    continue
                req = json.loads(buf.split(b"\n")[0])
                self.requests.append(req)
                c.sendall(json.dumps({"id": req.get("id"), "ok": True,
                                      "result": {}}).encode() + b"\n")

    def run(self, *argv, env=None):
        """pcoctl argv against the fake: (rc, request or None, err)."""
        n = len(self.requests)
        rc, out, err = ctl(self.path, "--json", *argv, env=env)
        return rc, (self.requests[n] if len(self.requests) > n else None), err

    def close(self):
        self.srv.close()


def daemon_commands():
    """pcod's command table: {name: [(arg, type, required)]}, the names read
    from its sources and each spec from pcod's own lookup (tests/integration/
    cmdspec.c), so nothing is guessed from C text but the names."""
    names = set()
    for path in sorted(glob.glob(os.path.join(SRC, "cmd_*.c"))):
        names.update(re.findall(r'\.name = "([a-z_.]+)"', open(path).read()))
    r = subprocess.run([os.environ["CMDSPEC"]], input="\n".join(sorted(names)) + "\n",
                       capture_output=True, text=True, timeout=10)
    return {k: [tuple(a) for a in v] for k, v in json.loads(r.stdout).items()}


def pcoctl_verbs():
    """pcoctl's verbs table: {cmd: [positional (arg, type)]}."""
    text = open(os.path.join(SRC, "pcoctl.c")).read()
    pos = {}
    for m in re.finditer(r"static const struct opt (\w+)\[\] = \{(.*?)\};$", text,
                         re.S | re.M):
        pos[m.group(1)] = re.findall(r'\{ "[A-Z_]+", "(\w+)", (OPT_\w+) \}', m.group(2))
    verbs = {}
    for m in re.finditer(r'\{ "(\w+)", "(\w+)", "([a-z_.]+)", (\w+),', text):
        verbs[m.group(3)] = pos.get(m.group(4), [])
    return verbs


KEYS = ("id", "site", "account", "login", "name", "tag", "date", "number")
SAMPLE = {"INT": "3", "STRING": "0001", "ACCOUNT": "0A1B", "TIME": "2026-12-01T10:00:00Z",
          "BOOL": "true", "ARRAY": '["2026-12-24"]', "OBJECT": "{}"}
WANT = {"INT": 3, "STRING": "0001", "ACCOUNT": "0A1B", "TIME": "2026-12-01T10:00:00Z",
        "BOOL": True, "ARRAY": ["2026-12-24"], "OBJECT": {}}
# The key of these comes from a document file, not the command line.
FROM_FILE = {"protocol.put"}


@T.test
def positional_keys(t):
    cmds = daemon_commands()
    verbs = pcoctl_verbs()
    t.require(len(cmds) > 50 and "site.remove" in cmds and
              cmds["site.remove"][0] == ("id", "INT", True),
              "pcod's command table read from its sources", len(cmds))
    t.require(len(verbs) > 30, "pcoctl's verbs table read", len(verbs))
    t.eq(sorted(c for c in verbs if c not in cmds), [],
         "every pcoctl verb names a command pcod has")
    d = tempfile.mkdtemp(prefix="pcofric.")
    fake = FakePcod(os.path.join(d, "sock"))
    empty = os.path.join(d, "empty.json")
    with open(empty, "w") as f:
        f.write("{}")
    env = {"PCOCTL_NEW_PASSWORD": "correct horse battery"}
    tested = 0
    try:
        for name, spec in sorted(cmds.items()):
            if not spec or not spec[0][2] or spec[0][0] not in KEYS or name in FROM_FILE:
                continue
            words = name.split(".")
            table = verbs.get(name)
            if table is not None:
                posnames = [a for a, ty in table if ty not in ("OPT_DOCFILE", "OPT_JSONFILE")]
                files = [empty for a, ty in table if ty == "OPT_DOCFILE"]
            else:
                posnames = [a for a, ty, req in spec if req]
                files = []
            key = spec[0][0]
            t.check(posnames[:1] == [key], "%s: its key '%s' is the first positional"
                    % (name, key), posnames)
            types = {a: ty for a, ty, req in spec}
            positional = [SAMPLE[types[a]] for a in posnames] + files
            options = []
            for a in posnames:
                options += ["--" + a.replace("_", "-"), SAMPLE[types[a]]]
            rc1, r1, e1 = fake.run(*(words + positional), env=env)
            rc2, r2, e2 = fake.run(*(words + options + files), env=env)
            t.check(rc1 == 0 and rc2 == 0 and r1 is not None and r2 is not None and
                    r1["cmd"] == name and r1["args"] == r2["args"],
                    "%s: positional and --%s forms send the same request" % (name, key),
                    repr((rc1, e1, r1, rc2, e2, r2)))
            if r1 is not None:
                t.eq(r1["args"].get(key), WANT[types[key]],
                     "%s: the key arrives typed as pcod declares it" % name)
            tested += 1
    finally:
        fake.close()
    t.check(tested >= 25, "keyed commands walked: %d" % tested)


@T.test
def digits_stay_strings(t):
    d = tempfile.mkdtemp(prefix="pcofric.")
    fake = FakePcod(os.path.join(d, "sock"))
    try:
        rc, r, err = fake.run("operator", "update", "0001", "--name", "0042",
                              "--disabled", "true")
        t.eq((rc, r and r["args"]), (0, {"login": "0001", "name": "0042",
                                         "disabled": True}),
             "operator update 0001 --name 0042: strings stay strings")
        rc, r, err = fake.run("site", "remove", "3", "--force", "yes")
        t.eq((rc, r and r["cmd"], r and r["args"]), (0, "site.remove",
                                                      {"id": 3, "force": True}),
             "site remove 3 --force yes")
        rc, r, err = fake.run("protocol", "retire", "night_plan", "--reason", "12")
        t.eq((rc, r and r["args"]), (0, {"name": "night_plan", "reason": "12"}),
             "protocol retire NAME: the name is the key, a digit reason a string")
        rc, r, err = fake.run("site", "zone", "set", "3", "12", "--name", "007")
        t.eq((rc, r and r["cmd"], r and r["args"]),
             (0, "site.zone.set", {"site": 3, "number": 12, "name": "007"}),
             "site zone set SITE NUMBER: two required arguments in order")
        rc, r, err = fake.run("site", "remove", "--force", "3")
        t.eq((rc, r and r["args"]), (0, {"id": 3, "force": True}),
             "a boolean without a value is true (site remove --force 3)")
        rc, r, err = fake.run("operator", "update", "bob", "--disabled", "no")
        t.eq((rc, r and r["args"]), (0, {"login": "bob", "disabled": False}),
             "--disabled no")
        rc, r, err = fake.run("site", "remove", "x3")
        t.check(rc == 2 and "x3" in err, "site remove x3: a usage error", repr((rc, err)))
        rc, r, err = fake.run("site", "remove", "3", "4")
        t.check(rc == 2 and r is None, "one positional too many: a usage error", repr((rc, err)))
        rc, r, err = fake.run("operator", "update", "bob", "--disabled", "maybe")
        t.check(rc == 2 and r is None, "--disabled maybe: a usage error", repr((rc, err)))
        # A command pcoctl cannot know: only canonical integers become numbers.
        rc, r, err = fake.run("future", "thing", "--a", "0001", "--b", "12",
                              "--c", "-0", "--d", "+5", "--e", "-7")
        t.eq((rc, r and r["cmd"], r and r["args"]),
             (0, "future.thing", {"a": "0001", "b": 12, "c": "-0", "d": "+5", "e": -7}),
             "unknown command: 0001, -0 and +5 stay strings")
        rc, r, err = fake.run("future", "thing", "3")
        t.check(rc == 2, "unknown command: no positionals", repr((rc, err)))
    finally:
        fake.close()


# --- times in, times out -------------------------------------------------------

@T.test
def dates_where_times_are(t):
    d = tempfile.mkdtemp(prefix="pcofric.")
    fake = FakePcod(os.path.join(d, "sock"))
    prague = {"TZ": "Europe/Prague"}
    try:
        cases = [
            (["event", "list", "--since", "2026-12-01"], prague, "2026-11-30T23:00:00Z",
             "a date is local midnight"),
            (["event", "list", "--since", "2026-07-01 14:00"], prague,
             "2026-07-01T12:00:00Z", "a local time in summer"),
            (["--utc", "event", "list", "--since", "2026-12-01"], prague,
             "2026-12-01T00:00:00Z", "--utc: the date is UTC midnight"),
            (["event", "list", "--since", "2026-12-01", "--utc"], prague,
             "2026-12-01T00:00:00Z", "--utc after the option counts too"),
            (["event", "list", "--since", "2026-12-01T10:00+01:00"], None,
             "2026-12-01T09:00:00Z", "an offset"),
            (["event", "list", "--since", "2026-12-01T10:00:00.250Z"], None,
             "2026-12-01T10:00:00.250Z", "milliseconds kept"),
            (["event", "list", "--since", "1796083200"], None,
             "2026-12-01T00:00:00Z", "epoch seconds"),
            (["event", "list", "--since", "2026-10-25 02:30"], prague,
             "2026-10-25T00:30:00Z", "a time shown twice: the earlier"),
            (["audit", "list", "--since", "2026-12-01"], prague,
             "2026-11-30T23:00:00Z", "audit list takes a date"),
            (["patrol", "holiday", "remove", "2026-12-24"], prague, None,
             "a string argument named date stays as written"),
        ]
        for argv, env, want, name in cases:
            rc, r, err = fake.run(*argv, env=env)
            got = r and (r["args"].get("since") if want else r["args"].get("date"))
            t.eq((rc, got), (0, want or "2026-12-24"), name)
        rc, r, err = fake.run("alarm", "close", "false", "--before", "2026-12-01",
                              env=prague)
        t.eq((rc, r and r["args"].get("before")), (0, "2026-11-30T23:00:00Z"),
             "alarm close --before DATE")
        rc, r, err = fake.run("stats", "handling", "--since", "2026-12-01", env=prague)
        t.eq((rc, r and r["args"].get("since")), (0, "2026-11-30T23:00:00Z"),
             "stats handling --since DATE")
        for bad in ("2026-03-29 02:30", "2026-13-01", "yesterday", "2026-12-01T10:00Zx",
                    "2026-02-29", ""):
            rc, r, err = fake.run("event", "list", "--since", bad, env=prague)
            t.check(rc == 2 and r is None and "--since" in err,
                    "--since %r: a usage error naming the option" % bad, repr((rc, err)))
    finally:
        fake.close()
    # pcod itself takes offsets, and wants a zone.
    p = Pcod()
    r = p.ctl("event.list", {"since": "2026-12-01T10:00:00+01:00"})
    t.check(r.get("ok"), "pcod: an offset is a time", r)
    r = p.ctl("event.list", {"since": "2026-12-01"})
    t.eq(code(r), "bad_args", "pcod: a time without a zone is refused")


@T.test
def times_shown_local(t):
    p = Pcod()
    p.add_account("1234", name="Shop")
    with p.tcp() as tc:
        tc.exchange(pt.sia(1, "1234", "Nri1/BA12"))
    pt.wait_for(lambda: p.events("1234"), timeout=5)
    iso = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z")
    rc, out, err = ctl(p, "event", "list", env={"TZ": "Europe/Prague"})
    t.check(rc == 0 and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} CES?T", out)
            and not iso.search(out), "event list: local time with the zone", out)
    rc, out, err = ctl(p, "--utc", "event", "list", env={"TZ": "Europe/Prague"})
    t.check(rc == 0 and re.search(r"\d\d:\d\d:\d\d\.\d{3} UTC", out),
            "event list --utc: UTC", out)
    rc, out, err = ctl(p, "account", "show", "1234", env={"TZ": "America/New_York"})
    t.check(rc == 0 and re.search(r" E[SD]T\b", out) and not iso.search(out),
            "account show: every time local", out)
    rc, out, err = ctl(p, "event", "list", json_out=True, env={"TZ": "Europe/Prague"})
    t.check(rc == 0 and iso.search(out) and "CET" not in out,
            "--json keeps pcod's UTC values", out)


T.run()
