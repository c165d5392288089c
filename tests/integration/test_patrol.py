#!/usr/bin/python3
"""Guard patrols on the real daemon: guards, the holiday calendar, routes,
check-ins over the control socket and over DC-09 (plain and encrypted),
observations, and compliance failures raised as `patrol` alarms on time.

No test-only knob: a route whose shift spans now (site time zone UTC) and
whose checkpoints have a max_gap of a few seconds lets real seconds do what
real hours do on a site."""

import calendar
import time

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=170)
Console = pt.Console

KEY = "000102030405060708090A0B0C0D0E0F"


def err(r):
    return None if r.get("ok") else (r.get("error") or {}).get("code")


err_of = err


def hhmm(t):
    return time.strftime("%H:%M", time.gmtime(t))


def route_doc(name, site, gap=3, rounds=1, tags=("CP-A", "CP-B", "CP-C")):
    """A route whose one shift spans now (UTC), every day and holiday."""
    now = time.time()
    return {
        "name": name, "site": site, "order": "strict", "min_round": 0,
        "checkpoints": [{"tag": tg, "name": "Checkpoint %s" % tg[-1],
                         "max_gap": gap} for tg in tags],
        "schedule": [{"days": "mon-sun,holiday",
                      "from": hhmm(now - 3600), "to": hhmm(now + 7200),
                      "rounds": rounds}],
    }


def setup(p, name="Warehouse"):
    """A site in UTC and a guard allowed there; (site id, guard id)."""
    site = p.call("site.add", name=name, timezone="UTC")["id"]
    g = p.call("guard.add", name="Jan Novak", phone="+420 600 000 001",
               devices=["PHONE-1"], tags=["BADGE-7"], sites=[site])
    return site, g["id"]


def login(p, role):
    """A console logged in as a fresh operator of role."""
    pw = "correct horse battery %s" % role
    p.call("operator.add", login="u_" + role, role=role, password=pw)
    c = Console(p)
    r = c.req("auth.login", {"login": "u_" + role, "password": pw})
    assert r.get("ok"), r
    return c


def patrol_alarms(p, state="open"):
    return [a for a in p.call("alarm.list", state=state)
            if a.get("kind") == "patrol"]


@T.test
def guards_and_roles(t):
    p = Pcod()
    site, gid = setup(p)
    g = p.call("guard.show", id=gid)
    t.eq((g["name"], g["devices"], g["tags"], [s["id"] for s in g["sites"]]),
         ("Jan Novak", ["PHONE-1"], ["BADGE-7"], [site]), "guard.show: all of it")
    t.eq(g["active"], 1, "a new guard is active")
    r = p.ctl("guard.add", {"name": "Other", "devices": ["phone-1"]})
    t.eq(err(r), "exists", "a device id held by another guard (any case) -> exists")
    t.eq(len(p.call("guard.list")), 1, "the refused guard was not kept")
    t.eq(err(p.ctl("guard.add", {"name": "X", "sites": [999]})), "not_found",
         "an unknown site -> not_found")
    t.eq(err(p.ctl("guard.add", {"name": "X", "tags": ["has space"]})),
         "bad_args", "an identifier with a space -> bad_args")
    u = p.call("guard.update", id=gid, active=False, reason="on leave")
    t.eq((u["active"], u["devices"]), (0, ["PHONE-1"]),
         "guard.update changes what it names only")
    t.eq(err(p.ctl("guard.update", {"id": 4242, "name": "Y"})), "not_found",
         "guard.update of an unknown guard -> not_found")
    t.eq([x["id"] for x in p.call("guard.list", site=site)], [gid],
         "guard.list by site")
    op = login(p, "operator")
    t.eq(err(op.req("guard.add", {"name": "Z"})), "forbidden",
         "an operator cannot add guards")
    t.check(op.req("guard.list").get("ok"), "an operator sees guards")
    sup = login(p, "supervisor")
    t.check(sup.req("guard.add", {"name": "Z"}).get("ok"),
            "a supervisor adds guards")
    acts = [a["action"] for a in p.call("audit.list", limit=100)]
    for a in ("guard.add", "guard.update"):
        t.check(a in acts, "%s is in the audit log" % a)


@T.test
def holidays(t):
    p = Pcod()
    r = p.call("patrol.holiday.import", dates=["2026-12-24",
               {"date": "2026-12-25", "name": "Christmas"}, "2028-02-29"])
    t.eq(r["imported"], 3, "three dates imported")
    t.eq([h["date"] for h in p.call("patrol.holiday.list")],
         ["2026-12-24", "2026-12-25", "2028-02-29"], "listed by date")
    for bad in ("2026-02-29", "2026-13-01", "26-12-24", "2026-12-24x", ""):
        t.eq(err(p.ctl("patrol.holiday.import", {"dates": ["2027-01-01", bad]})),
             "bad_args", "bad date %r -> bad_args" % bad)
    t.eq(len(p.call("patrol.holiday.list")), 3,
         "a refused import keeps none of its dates")
    p.call("patrol.holiday.remove", date="2026-12-24")
    t.eq(err(p.ctl("patrol.holiday.remove", {"date": "2026-12-24"})),
         "not_found", "removing it twice -> not_found")
    op = login(p, "operator")
    t.eq(err(op.req("patrol.holiday.import", {"dates": ["2027-01-01"]})),
         "forbidden", "an operator cannot change the calendar")


@T.test
def routes(t):
    p = Pcod()
    site, _ = setup(p)
    r1 = p.call("patrol.route.put", **route_doc("Night", site))
    t.eq((r1["version"], r1["current"]), (1, 1), "first version")
    t.eq(len(r1["doc"]["checkpoints"]), 3, "the document is kept")
    r2 = p.call("patrol.route.put", **route_doc("Night", site, gap=60),
                reason="longer gaps")
    t.eq(r2["version"], 2, "a put adds a version")
    old = p.call("patrol.route.show", name="Night", version=1)
    t.eq((old["current"], old["doc"]["checkpoints"][0]["max_gap"]), (0, 3),
         "the old version is kept as it was")
    t.eq(len(p.call("patrol.route.list", all_versions=True)), 2,
         "all_versions lists both")
    t.eq(len(p.call("patrol.route.list")), 1, "the list shows the one in force")
    bad = route_doc("Bad", site)
    bad["checkpoints"] = []
    t.eq(err(p.ctl("patrol.route.put", bad)), "bad_args",
         "a route without checkpoints -> bad_args")
    t.eq(err(p.ctl("patrol.route.put", route_doc("Z", 999))), "not_found",
         "an unknown site -> not_found")
    other = p.call("site.add", name="Other", timezone="UTC")["id"]
    t.eq(err(p.ctl("patrol.route.put", route_doc("Night", other))), "exists",
         "a name in force on another site -> exists")
    p.call("patrol.route.retire", name="Night", reason="contract ended")
    t.eq(p.call("patrol.route.list"), [], "retired: none in force")
    t.eq(err(p.ctl("patrol.route.retire", {"name": "Night"})), "not_found",
         "retiring twice -> not_found")
    acts = [a["action"] for a in p.call("audit.list", limit=100)]
    t.check("patrol.route.put" in acts and "patrol.route.retire" in acts,
            "route changes are audited")


@T.test
def socket_checkins(t):
    p = Pcod()
    site, gid = setup(p)
    p.call("patrol.route.put", **route_doc("Night", site, gap=600))
    now = time.time()
    c = p.call("patrol.checkin", tag="CP-A", device="PHONE-1",
               time=int(now) - 5)
    t.eq((c["site_id"], c["guard_id"], c["route"], c["checkpoint"]),
         (site, gid, "Night", 0), "device -> guard, tag -> route and checkpoint")
    t.eq((c["unknown_tag"], c["unknown_guard"], c["duplicate"]), (0, 0, False),
         "nothing flagged")
    t.eq(c["source"], "socket", "source socket")
    d = p.call("patrol.checkin", tag="CP-A", device="PHONE-1",
               time=int(now) - 5)
    t.eq((d["duplicate"], d["id"]), (True, c["id"]), "the same scan twice is one")
    u = p.call("patrol.checkin", tag="NOPE", guard="BADGE-7")
    t.eq((u["unknown_tag"], u["unknown_guard"], u["site_id"]), (1, 0, site),
         "an unknown tag is stored and flagged (site from the guard)")
    v = p.call("patrol.checkin", tag="CP-B", guard="stranger")
    t.eq((v["unknown_guard"], v["site_id"], v["checkpoint"]), (1, site, 1),
         "an unknown guard is stored and flagged")
    w = p.call("patrol.checkin", tag="CP-C", guard=str(gid),
               time=int(now) + 3600)
    t.check(w["scan"] <= w["received"],
            "a scan time in the future is capped to its arrival", w)
    flagged = p.call("patrol.checkins", flagged=True)
    t.eq(sorted(x["id"] for x in flagged), sorted([u["id"], v["id"]]),
         "patrol.checkins flagged: the unknown tag and guard")
    t.eq(len(p.call("patrol.checkins", site=site)), 4, "four check-ins kept")
    t.eq(err(p.ctl("patrol.checkin", {"tag": "CP-A", "site": 999})),
         "not_found", "a site that does not exist -> not_found")
    for args, why in (({}, "no tag"), ({"tag": "A B"}, "a tag with a space"),
                      ({"tag": "A", "kind": "dance"}, "an unknown kind"),
                      ({"tag": "A", "position": [91, 0]}, "latitude 91"),
                      ({"tag": "A", "position": ["x", 1]}, "position not numbers"),
                      ({"tag": "A", "time": "yesterday"}, "a bad time")):
        t.eq(err(p.ctl("patrol.checkin", args)), "bad_args", "%s -> bad_args" % why)
    t.eq(c["not_allowed"], 0, "the guard may patrol the site")
    other = p.call("site.add", name="Elsewhere", timezone="UTC")["id"]
    x = p.call("patrol.checkin", tag="CP-A", guard="BADGE-7", site=other)
    t.eq((x["not_allowed"], x["unknown_tag"]), (1, 1),
         "a guard checking in at a site not his is flagged")
    p.call("guard.update", id=gid, active=False)
    y = p.call("patrol.checkin", tag="CP-B", guard="BADGE-7")
    t.eq((y["not_allowed"], y["guard_id"], y["checkpoint"]), (1, gid, 1),
         "an inactive guard's scan is kept, flagged")
    t.check({x["id"], y["id"]} <= {r["id"] for r in
                                   p.call("patrol.checkins", flagged=True)},
            "flagged lists them")
    p.call("guard.update", id=gid, active=True)
    op = login(p, "operator")
    r = op.req("patrol.checkin", {"tag": "CP-A", "guard": "BADGE-7"})
    t.check(r.get("ok") and r["result"]["entered_by"] == "u_operator",
            "an operator (a gateway's login) checks in; who is kept", r)


@T.test
def panic_and_threat(t):
    p = Pcod()
    site, gid = setup(p)
    con = Console(p)
    t.require(con.req("subscribe").get("ok"), "subscribe")
    c = p.call("patrol.checkin", kind="panic", device="PHONE-1",
               position=[50.08, 14.42])
    t.check(c.get("alarm_id"), "a guard's panic raises an alarm", c)
    a = p.call("alarm.show", id=c["alarm_id"])
    a = a.get("alarm", a)
    t.eq((a["class"], a["priority"], a["site_id"]), ("panic", 1, site),
         "priority 1, class panic, on the guard's site")
    t.check("Jan Novak" in a["text"], "the alarm names the guard", a["text"])
    n = con.wait(lambda n: n.get("notify") == "alarm" and
                 n["data"].get("id") == c["alarm_id"], timeout=5)
    t.check(n is not None, "a subscribed console hears of the panic")
    m = p.call("patrol.checkin", kind="man_down", guard="BADGE-7")
    t.check(m.get("alarm_id") and m["alarm_id"] != c["alarm_id"],
            "a man-down is an alarm of its own")
    o = p.call("patrol.observe", site=site, checkpoint="Gate",
               deviation="Man photographing the fence twice this week",
               adversary=True, talk="Left without answering", verdict="threat",
               guard=gid)
    t.check(o.get("alarm_id"), "a threat raises an alarm", o)
    a = p.call("alarm.show", id=o["alarm_id"])
    a = a.get("alarm", a)
    t.eq((a["class"], a["site_id"]), ("threat", site), "class threat on the site")
    n = p.call("patrol.observe", site=site, deviation="Delivery van parked",
               talk="Driver waiting for the morning shift", verdict="no_threat")
    t.eq(n["alarm_id"], None, "no threat: no alarm")
    obs = p.call("patrol.observations", site=site)
    t.eq([x["verdict"] for x in obs], ["no_threat", "threat"],
         "every observation is kept, newest first")
    t.eq(err(p.ctl("patrol.observe", {"site": site, "deviation": "x",
                                      "verdict": "maybe"})), "bad_args",
         "a verdict other than threat/no_threat -> bad_args")
    t.eq(err(p.ctl("patrol.observe", {"site": 999, "deviation": "x",
                                      "verdict": "threat"})), "not_found",
         "an unknown site -> not_found")
    t.eq(err(p.ctl("patrol.observe", {"site": site, "deviation": "x",
                                      "verdict": "threat", "guard": 999})),
         "not_found", "an unknown guard -> not_found")
    t.eq(len(p.call("patrol.observations", site=site)), 2,
         "a refused observation is not kept")
    op = login(p, "operator")
    t.check(op.req("patrol.observe", {"site": site, "deviation": "x",
                                      "verdict": "no_threat"}).get("ok"),
            "an operator records observations")


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%03dZ" % int((t % 1) * 1000)


def h_field(t):
    """DC-09 [H] extended data: the time the tag was read."""
    return "[H%s]" % time.strftime("%H:%M:%S,%m-%d-%Y", time.gmtime(t))


def same_fields(a, b):
    keys = ("site_id", "guard_id", "route", "route_version", "kind",
            "unknown_tag", "unknown_guard")
    return {k: a.get(k) for k in keys}, {k: b.get(k) for k in keys}


@T.test
def dc09_checkins(t):
    p = Pcod()
    site, gid = setup(p)
    p.call("patrol.route.put", **route_doc("Night", site, gap=600))
    p.add_account("5678", site=site)
    p.add_account("A128", key=KEY, site=site)
    p.call("guard.update", id=gid, devices=["PHONE-1", "5678", "A128"])
    for acct in ("5678", "A128"):
        m = p.call("patrol.terminal.set", account=acct, tag_codes=["ZZ"],
                   panic_codes=["PA"], man_down_codes=["MA"], tag_field="L",
                   guard_field="none", time="H")
        t.eq(m["map"]["tag_field"], "L", "terminal %s mapped" % acct)
    t.eq(err(p.ctl("patrol.terminal.set", {"account": "5678",
                                           "tag_codes": ["Z"]})), "bad_args",
         "a code that is neither SIA nor Contact ID -> bad_args")
    t.eq(err(p.ctl("patrol.terminal.set", {"account": "5678", "tag_codes": ["ZZ"],
                                           "tag_field": "pocket"})), "bad_args",
         "an unknown tag field -> bad_args")
    scan = time.time() - 30
    with p.tcp() as c:
        a = c.exchange(pt.sia(1, "5678", "Nri1/ZZ", ts="now",
                              xdata="[LCP-A]" + h_field(scan) + "[X14.42][Y50.08]"))
        t.eq(a.token, "ACK", "plain tag read acknowledged")
        a = c.exchange(pt.sia(2, "A128", "Nri1/ZZ", key=KEY,
                              xdata="[LCP-B]" + h_field(scan + 5)), key=KEY)
        t.eq(a.token, "ACK", "encrypted tag read acknowledged")
        a = c.exchange(pt.sia(3, "5678", "Nri1/ZZ", ts="now",
                              xdata="[LCP-A]" + h_field(scan)))
        t.eq(a.token, "ACK", "the same scan in a new frame acknowledged")
    s = p.call("patrol.checkin", tag="CP-C", device="5678", time=int(scan) + 9)
    rows = {r["tag"]: r for r in p.call("patrol.checkins", site=site)}
    t.eq(sorted(rows), ["CP-A", "CP-B", "CP-C"],
         "three check-ins: the repeated scan is one")
    pa, pb = rows["CP-A"], rows["CP-B"]
    t.eq(*same_fields(pa, s), name="DC-09 plain and socket give the same record")
    t.eq(*same_fields(pb, s), name="DC-09 encrypted and socket give the same record")
    t.eq((pa["source"], pa["account"], pa["device"]), ("dc09", "5678", "5678"),
         "source, account and device of the DC-09 check-in")
    t.check(pa["event_id"] is not None, "linked to the stored event")
    t.eq(pa["scan"][:19], time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(scan)),
         "scan time from [H], not from the frame")
    t.eq((round(pa["lat"], 2), round(pa["lon"], 2)), (50.08, 14.42),
         "GPS from [Y] and [X]")
    t.eq(pb["checkpoint"], 1, "encrypted: checkpoint from [L]")
    ev = [a for a in p.call("alarm.list", state="all") if a.get("kind") == "event"]
    t.eq(ev, [], "a tag read is no ordinary alarm")
    # A Contact ID terminal: code 750 is a tag read, the tag in the zone.
    p.add_account("9012", site=site)
    p.call("guard.update", id=gid, devices=["PHONE-1", "5678", "A128", "9012"])
    p.call("patrol.route.put", **route_doc("Depot", site, gap=600,
                                           tags=("17", "18")))
    p.call("patrol.terminal.set", account="9012", tag_codes=["750"],
           panic_codes=["120"], tag_field="zone", guard_field="none",
           time="frame")
    with p.tcp() as c:
        t.eq(c.exchange(pt.cid(1, "9012", "1750 01 017", ts="now")).token,
             "ACK", "Contact ID tag read acknowledged")
        t.eq(c.exchange(pt.cid(2, "9012", "3750 01 018", ts="now")).token,
             "ACK", "a restore of that code acknowledged")
    cid_rows = [r for r in p.call("patrol.checkins", site=site)
                if r["account"] == "9012"]
    t.eq([(r["tag"], r["route"], r["checkpoint"], r["guard_id"])
          for r in cid_rows], [("17", "Depot", 0, gid)],
         "Contact ID: tag from the zone; a restore is no check-in")
    # A sloppy or hostile terminal: an overlong tag, a bad [H], bad GPS.
    with p.tcp() as c:
        a = c.exchange(pt.sia(5, "5678", "Nri1/ZZ", ts="now",
                              xdata="[L" + "X" * 300 + "][H99:99:99,13-40-2026]"
                              "[Xeast][Y91]"))
        t.eq(a.token, "ACK", "a garbled tag read is still acknowledged")
        a = c.exchange(pt.sia(6, "5678", "Nri1/ZZ", ts="now"))
        t.eq(a.token, "ACK", "a tag read without a tag is acknowledged")
    odd = [r for r in p.call("patrol.checkins", site=site, flagged=True)
           if r["source"] == "dc09"]
    t.eq(len(odd), 2, "both stored and flagged as unknown tags")
    t.check(all(len(r["tag"]) <= 32 and r["lat"] is None for r in odd),
            "the tag cut to 32 bytes, no position from bad [X][Y]", odd)
    t.check(all(abs(calendar.timegm(time.strptime(r["scan"][:19],
                                                  "%Y-%m-%dT%H:%M:%S"))
                    - time.time()) < 60 for r in odd),
            "a bad [H]: the frame's time instead", [r["scan"] for r in odd])
    t.check(p.running(), "pcod still running")
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(4, "5678", "Nri1/PA", ts="now")).token, "ACK",
             "panic from the phone acknowledged")
    al = [a for a in p.call("alarm.list") if a.get("class") == "panic"]
    t.eq([(a["priority"], a["kind"]) for a in al], [(1, "patrol")],
         "a guard's panic over DC-09: one priority-1 alarm")
    t.check("Jan Novak" in al[0]["text"] if al else False,
            "the panic alarm names the guard")


def wait_alarm(p, pred, timeout):
    return pt.wait_for(lambda: [a for a in patrol_alarms(p, "all") if pred(a)],
                       timeout=timeout)


@T.test
def missed_checkpoint_alarm(t):
    p = Pcod()
    site, gid = setup(p)
    con = Console(p)
    t.require(con.req("subscribe").get("ok"), "subscribe")
    prot = p.call("protocol.put", name="Patrol failure", site=site,
                  **{"class": "patrol"}, approved_by="Client",
                  steps=[{"action": "call", "target": "+420 600 000 001",
                          "deadline": 120}])
    p.call("patrol.route.put", **route_doc("Night", site, gap=3))
    t0 = time.time()
    p.call("patrol.checkin", tag="CP-A", device="PHONE-1")
    st = p.call("patrol.status", site=site)
    sh = st["shifts"]
    t.require(len(sh) == 1, "patrol.status: the shift in progress", st)
    t.eq(sh[0]["next_checkpoint"], "Checkpoint B", "next checkpoint due: B")
    t.eq([(r["state"], r["guard"]) for r in sh[0]["rounds"]],
         [("active", "Jan Novak")], "who is on which round")
    t.eq(sh[0]["on_round"], "Jan Novak", "on_round: the active round's guard")
    t.check(sh[0]["next_by"] is not None, "and by when")
    t.eq(patrol_alarms(p), [], "no alarm while B is not yet late")
    n = con.wait(lambda n: n.get("notify") == "alarm" and
                 n["data"].get("kind") == "patrol", timeout=8)
    late = time.time() - t0
    t.require(n is not None, "a subscribed console hears of the patrol alarm")
    t.check(2.5 <= late <= 5.5, "raised on time (%.1f s after A, max_gap 3 s)" % late)
    a = n["data"]
    t.eq((a["class"], a["site_id"]), ("patrol", site), "class patrol on the site")
    t.eq(a.get("protocol_id"), prot["id"],
         "handled by the site's protocol for class patrol")
    t.check("Night" in a["text"] and "Checkpoint B" in a["text"],
            "the text names the route and checkpoint", a["text"])
    # The guard's phone was out of coverage: B was read in time, sent late
    # (C is then due 3 s after B's scan, well after the checks below).
    p.call("patrol.checkin", tag="CP-B", device="PHONE-1", time=iso(t0 + 2.5))
    ok = wait_alarm(p, lambda x: x["id"] == a["id"] and x.get("restored"), 3)
    t.check(ok, "a late upload of a scan made in time restores the alarm")
    again = [x for x in patrol_alarms(p, "all") if x["id"] != a["id"]]
    t.eq(again, [], "and raises nothing else yet")
    rep = p.call("patrol.report", site=site, since=int(t0) - 86400,
                 until=int(t0) + 86400)
    t.check(rep["totals"]["shifts"] >= 1, "patrol.report covers the shift", rep)
    t.check(any(x["kind"] for x in rep["alarms"]), "the report lists the failure")


@T.test
def guard_silent(t):
    p = Pcod()
    site, gid = setup(p)
    doc = route_doc("Night", site, gap=600)
    doc["silent"] = 3
    p.call("patrol.route.put", **doc)
    p.call("patrol.checkin", tag="CP-A", device="PHONE-1")
    a = wait_alarm(p, lambda x: "silent" in x["text"], 6)
    t.check(a, "a lone worker silent past `silent` raises a patrol alarm",
            patrol_alarms(p, "all"))
    if a:
        t.check("Jan Novak" in a[0]["text"], "naming the guard", a[0]["text"])
        p.call("patrol.checkin", tag="CP-B", device="PHONE-1")
        t.check(wait_alarm(p, lambda x: x["id"] == a[0]["id"] and
                           x.get("restored"), 3),
                "his next scan restores it")


@T.test
def restart_mid_round(t):
    p = Pcod()
    site, gid = setup(p)
    p.call("patrol.route.put", **route_doc("Night", site, gap=3))
    p.call("patrol.checkin", tag="CP-A", device="PHONE-1")
    p.stop()
    time.sleep(4.5)
    t0 = time.monotonic()
    p.start()
    ok = wait_alarm(p, lambda a: not a.get("restored"), 3)
    t.check(ok, "a restart after the deadline raises the alarm at once "
            "(%.1f s)" % (time.monotonic() - t0))
    n1 = len(patrol_alarms(p, "all"))
    t.eq(len(p.call("patrol.checkins", site=site)), 1, "the check-in survived")
    p.kill9()
    p.start()
    time.sleep(1)
    t.eq(len(patrol_alarms(p, "all")), n1, "a second restart raises no duplicate")
    n = p.sql("SELECT count(*) FROM patrol_findings")[0][0]
    t.check(n >= 1, "the failure is on record for the shift")


@T.test
def report_across_versions(t):
    p = Pcod()
    site, gid = setup(p)
    now = int(time.time())
    span = {"since": now - 86400, "until": now + 86400}
    p.call("patrol.route.put", **route_doc("Night", site, gap=600))
    p.call("patrol.checkin", tag="CP-A", device="PHONE-1")
    p.call("patrol.route.put", **route_doc("Night", site, gap=900),
           reason="longer gaps")
    rep = p.call("patrol.report", site=site, **span)
    t.eq([(s["route"], s["version"], s["walked"]) for s in rep["shifts"]],
         [("Night", 2, 1)], "the shift in progress is the new version's, once")
    p.call("patrol.route.retire", name="Night", reason="contract ended")
    rep = p.call("patrol.report", site=site, **span)
    t.eq([(s["route"], s["version"], s["walked"]) for s in rep["shifts"]],
         [("Night", 2, 1)], "retired, its rounds stay in the report")
    t.eq(p.call("patrol.status", site=site)["shifts"], [],
         "a retired route is not in the live view")
    other = p.call("site.add", name="Other", timezone="UTC")["id"]
    t.eq(p.call("patrol.report", site=other, **span)["shifts"], [],
         "a report for another site shows none of it")


@T.test
def pcoctl_tables_and_csv(t):
    p = Pcod()
    site, gid = setup(p)
    p.call("patrol.route.put", **route_doc("Night", site, gap=600))
    rc, out, _ = p.pcoctl("patrol", "checkin", "CP-A", "--device", "PHONE-1")
    t.eq(rc, 0, "pcoctl patrol checkin")
    rc, out, _ = p.pcoctl("patrol", "checkin", "17", "--guard", str(gid))
    t.check(rc == 0 and "unknown_tag" in out, "a numeric tag and guard id go "
            "as strings", out)
    rc, out, _ = p.pcoctl("guard", "list")
    t.check(rc == 0 and "Jan Novak" in out and "PHONE-1" in out,
            "pcoctl guard list: a table", out)
    rc, out, _ = p.pcoctl("patrol", "status")
    t.check(rc == 0 and "ROUTE" in out and "Night" in out,
            "pcoctl patrol status: the shift in progress", out)
    rc, out, _ = p.pcoctl("patrol", "checkins", "--flagged")
    t.check(rc == 0 and "17" in out and "CP-A" not in out,
            "pcoctl patrol checkins --flagged", out)
    now = int(time.time())
    rc, out, err = p.pcoctl("patrol", "report", "--since", str(now - 86400),
                            "--until", str(now + 86400), "--csv")
    lines = out.split("\r\n")
    t.check(rc == 0 and lines[0].startswith("route,site_id,date,"),
            "pcoctl patrol report --csv: the header", (rc, out, err))
    t.check(any(ln.startswith("Night,%d," % site) for ln in lines[1:]),
            "a row per checkpoint of the shift's rounds", out)
    rc, out, _ = p.pcoctl("patrol", "report", "--since", str(now - 86400),
                          "--until", str(now + 86400))
    t.check(rc == 0 and "rounds required" in out, "the report as tables", out)
    rc, _, err = p.pcoctl("patrol", "report", "--since", str(now),
                          "--until", str(now - 5))
    t.check(rc == 1 and "since" in err, "an empty period is refused", err)
    t.eq(err_of(p.ctl("patrol.report", {"since": now, "until": now + 401 * 86400})),
         "bad_args", "more than 400 days -> bad_args")
    # 32 routes of 32 shifts each, all in progress: more than a report judges.
    for k in range(32):
        doc = route_doc("Busy%d" % k, site, tags=("B%d-1" % k,))
        doc["schedule"] = doc["schedule"] * 32
        p.call("patrol.route.put", **doc)
    t0 = time.monotonic()
    rep = p.call("patrol.report", site=site, since=now - 86400, until=now + 60)
    t.check(rep["truncated"] and len(rep["shifts"]) == 1000,
            "a report stops at 1000 shifts and says so (%.1f s)"
            % (time.monotonic() - t0), str((rep["truncated"], len(rep["shifts"]))))


if __name__ == "__main__":
    T.run()
