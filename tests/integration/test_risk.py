#!/usr/bin/python3
"""Site risk assessment (issue 10) on the real daemon: site.assess and
site.risk, what an assessment does to the alarms raised after it (priority,
reason, take deadline, time-balance dispatch deadline) and not to those
before, escalation on a missed dispatch deadline, the band mapping in
pcod.conf (errors, SIGHUP), the report, export/import, and bad input."""

import calendar
import json
import os
import signal
import time

import pcotest as pt
from pcotest import Pcod

T = pt.Runner()

HERE = os.path.dirname(os.path.abspath(__file__))
ETC = os.path.join(HERE, "..", "..", "etc", "risk")


def err(r):
    return None if r.get("ok") else (r.get("error") or {}).get("code")


def errmsg(r):
    return (r.get("error") or {}).get("message") or ""


def iso_s(s):
    """ISO-8601 UTC ("...Z", optional .mmm) -> epoch seconds (float)."""
    base, _, frac = s.rstrip("Z").partition(".")
    t = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return t + (int(frac) / 1000.0 if frac else 0.0)


def send(panel, seq, acct, body):
    a = panel.exchange(pt.sia(seq, acct, body))
    assert a.token == "ACK", a


def site_with_unit(p, name, acct, response=600):
    site = p.call("site.add", name=name)["id"]
    p.call("account.add", account=acct, site=site)
    p.call("site.unit.add", site=site, kind="guard", name="Patrol 1",
           response_time=response)
    # A site's own protocol may call only contacts the site has (issue 12).
    p.call("site.contact.add", site=site, name="Keyholder", phone="+420 600 1")
    return site


def alarm_of(p, site, zone):
    for a in p.call("alarm.list", state="all", site=site):
        if a.get("zone") == zone:
            return p.call("alarm.show", id=a["id"])
    return None


def alarm_row(a):
    return a.get("alarm", a) if isinstance(a, dict) else a


PNH_II = {"p": 5, "n": 5, "h": 3}		# R 75: band II


@T.test
def assess_changes_new_alarms_only(t):
    with Pcod() as p:
        site = site_with_unit(p, "Pharmacy", "1234")
        with p.tcp() as panel:
            send(panel, 1, "1234", "Nri1/BA05")		# before any assessment
            before = alarm_row(alarm_of(p, site, 5))
            t.eq(before["priority"], 2, "burglary priority without assessment")
            t.eq(before.get("priority_reason"), None, "no reason without assessment")
            take = iso_s(before["take_deadline"]) - iso_s(before["created"])
            t.check(abs(take - 60) < 1.5, "default take deadline 60 s", take)

            r = p.ctl("site.assess", {
                "site": site, "assessed_by": "J. Novak (Securitas)",
                "valid_until": "2099-01-01T00:00:00Z", "pnh": PNH_II,
                "time_balance": {"handling": 2, "points": [
                    {"name": "back door", "zone": 6, "delay": 15}]},
                "reason": "yearly review"})
            t.require(r.get("ok"), "site.assess", r)
            res = r["result"]
            t.eq(res["version"], 1, "first version")
            t.eq(res["result"]["pnh"]["r"], 75, "R")
            t.eq(res["result"]["pnh"]["band"], "II", "PNH band")
            t.eq(res["result"]["time_balance"]["travel"], 10,
                 "travel from the guard unit (600 s)")
            t.eq(res["result"]["time_balance"]["travel_from"]["kind"], "guard",
                 "travel source")
            t.eq(res["bands"]["pnh"], "II", "bands")

            send(panel, 2, "1234", "Nri1/BA06")
            after = alarm_row(alarm_of(p, site, 6))
            t.eq(after["priority"], 1, "priority raised one step")
            t.eq(after.get("priority_reason"),
                 "priority raised: PNH band II; take-deadline x0.50: PNH band II",
                 "reason shown on the alarm")
            take = iso_s(after["take_deadline"]) - iso_s(after["created"])
            t.check(abs(take - 30) < 1.5, "take deadline halved", take)
            disp = iso_s(after["dispatch_deadline"]) - iso_s(after["created"])
            t.check(abs(disp - 300) < 1.5,
                    "dispatch deadline = delay 15 min - travel 10 min", disp)
            t.check(after.get("risk_id") == res["id"], "alarm names the assessment",
                    after.get("risk_id"))

            again = alarm_row(alarm_of(p, site, 5))
            t.eq(again["priority"], 2, "the alarm before the assessment keeps its priority")
            t.eq(again.get("priority_reason"), None, "... and has no reason")
            t.eq(again["take_deadline"], before["take_deadline"], "... nor a new deadline")

            # A new, low assessment: alarms after it are plain, those before keep theirs.
            r = p.ctl("site.assess", {"site": site, "assessed_by": "J. Novak",
                                      "pnh": {"p": 1, "n": 1, "h": 2}})
            t.require(r.get("ok"), "second assessment", r)
            t.eq(r["result"]["version"], 2, "second version")
            send(panel, 3, "1234", "Nri1/BA07")
            third = alarm_row(alarm_of(p, site, 7))
            t.eq(third["priority"], 2, "after the low assessment: plain priority")
            t.eq(third.get("priority_reason"), None, "after it: no reason")
            t.eq(third.get("dispatch_deadline"), None, "no time balance: no dispatch deadline")
            kept = alarm_row(alarm_of(p, site, 6))
            t.eq(kept["priority"], 1, "the alarm under version 1 keeps its priority")
            t.eq(kept.get("priority_reason"), after.get("priority_reason"),
                 "... and its reason")

        risk = p.call("site.risk", site=site)
        t.eq(risk["current"]["version"], 2, "site.risk: current version")
        t.eq([h["version"] for h in risk["history"]], [2, 1], "history, newest first")
        t.check(not risk["history"][1]["current"], "old version not current")
        old = p.call("site.risk", site=site, version=1)
        t.eq(old["assessment"]["doc"]["pnh"], PNH_II, "old version keeps its inputs")
        t.eq(old["assessment"]["doc"]["valid_until"], "2099-01-01T00:00:00Z",
             "valid_until as given")
        r = p.ctl("site.risk", {"site": site, "version": 9})
        t.eq(err(r), "not_found", "no such version")
        audit = p.call("audit.list", action="site.assess", limit=10)
        rows = audit if isinstance(audit, list) else audit.get("records", [])
        t.eq(len(rows), 2, "each assessment audited")
        t.check(any(x.get("reason") == "yearly review" for x in rows),
                "audit keeps the reason", rows)


@T.test
def dispatch_deadline_escalates(t):
    with Pcod(conf={"escalation-interval": "600"}) as p:
        site = site_with_unit(p, "Vault", "1234", response=600)
        # Delay 10 min, travel 10: the unit had to leave at detection.
        r = p.ctl("site.assess", {"site": site, "assessed_by": "x",
                                  "time_balance": {"handling": 1, "points": [
                                      {"name": "vault door", "delay": 10}]}})
        t.require(r.get("ok"), "assess", r)
        t.check("intervention_late" in r["result"]["flags"], "flagged too late",
                r["result"]["flags"])
        t.eq(r["result"]["result"]["time_balance"]["missing"], 1, "1 minute missing")
        with p.tcp() as panel:
            send(panel, 1, "1234", "Nri1/BA01")
        a = alarm_row(alarm_of(p, site, 1))
        t.check(iso_s(a["take_deadline"]) - iso_s(a["created"]) < 1.5,
                "take deadline capped by the dispatch deadline", a)
        got = pt.wait_for(lambda: alarm_row(alarm_of(p, site, 1))["escalated"] >= 1,
                          timeout=5)
        t.check(got, "missed dispatch deadline escalates")
        r = p.ctl("audit.list", {"object": "alarm", "object_id": str(a["id"]),
                                 "limit": 100})
        rows = r.get("result") or []
        if isinstance(rows, dict):
            rows = rows.get("records") or rows.get("audit") or []
        esc = [x.get("reason") or "" for x in rows
               if x.get("action") == "alarm.escalate"]
        t.check(esc and "dispatch deadline" in esc[0] and "dispatch now" in esc[0],
                "the escalation says the dispatch deadline passed", esc)
        # Taken: the added dispatch step is due at the dispatch deadline.
        p.call("alarm.take", id=a["id"])
        shown = p.call("alarm.show", id=a["id"])
        steps = shown.get("steps") or []
        disp = [s for s in steps if s.get("action") == "dispatch"]
        t.require(len(disp) == 1, "a dispatch step was added", steps)
        t.check(iso_s(disp[0]["deadline"]) <= iso_s(a["dispatch_deadline"]) + 0.01,
                "dispatch step capped at the dispatch deadline", disp)
        report = p.call("risk.report")
        flagged = {x["name"]: x["flags"] for x in report["flagged"]}
        t.check("intervention_late" in flagged.get("Vault", []), "report flags it",
                report)


@T.test
def protocol_dispatch_step_capped(t):
    with Pcod() as p:
        site = site_with_unit(p, "Shop", "1234", response=300)
        r = p.ctl("protocol.put", {"name": "shop", "site": site,
                                   "approved_by": "owner", "steps": [
                                       {"action": "call", "target": 1, "deadline": 60},
                                       {"action": "dispatch", "target": "guard",
                                        "deadline": 3600}]})
        t.require(r.get("ok"), "protocol.put", r)
        r = p.ctl("site.assess", {"site": site, "assessed_by": "x",
                                  "time_balance": {"handling": 1, "points": [
                                      {"name": "door", "delay": 8}]}})
        t.require(r.get("ok"), "assess", r)
        with p.tcp() as panel:
            send(panel, 1, "1234", "Nri1/BA02")
        a = alarm_row(alarm_of(p, site, 2))
        p.call("alarm.take", id=a["id"])
        steps = p.call("alarm.show", id=a["id"]).get("steps") or []
        t.eq([s["action"] for s in steps], ["call", "dispatch"],
             "the protocol's steps, none added")
        d = iso_s(steps[1]["deadline"]) - iso_s(a["created"])
        t.check(abs(d - 180) < 2, "protocol dispatch step capped at 8 - 5 min", d)
        t.check(iso_s(steps[0]["deadline"]) - iso_s(a["created"]) > 50,
                "other steps keep their deadlines", steps)
        t.eq(steps[1].get("deadline_s"), 180,
             "the dispatch step states the time it has (escalation reasons)")


@T.test
def protocol_by_band(t):
    with Pcod() as p:
        a = site_with_unit(p, "Jeweller", "1234")
        b = site_with_unit(p, "Kiosk", "5678")
        for name, extra in [("centre", {}), ("band II", {"band": "pnh:II"}),
                            ("band II fire", {"band": "pnh:II", "class": "fire"})]:
            r = p.ctl("protocol.put", dict(extra, name=name, approved_by="c", steps=[
                {"action": "call", "target": 1, "deadline": 60}]))
            t.require(r.get("ok"), "protocol.put " + name, r)
        r = p.ctl("protocol.put", {"name": "x", "band": "pnh:VI", "approved_by": "c",
                                   "steps": [{"action": "text", "text": "t",
                                              "deadline": 60}]})
        t.check(err(r) == "bad_args" and "band:" in errmsg(r), "bad band refused", r)
        r = p.ctl("protocol.put", {"name": "y", "band": "pnh:II", "site": a,
                                   "approved_by": "c", "steps": [
                                       {"action": "text", "text": "t", "deadline": 60}]})
        t.check(err(r) == "bad_args" and "not both" in errmsg(r), "site and band refused", r)
        r = p.ctl("protocol.put", {"name": "z", "band": "pnh:II", "approved_by": "c",
                                   "steps": [{"action": "text", "text": "t",
                                              "deadline": 60}]})
        t.eq(err(r), "exists", "one protocol in force per band and class")

        def match(site, cls):
            m = p.call("protocol.match", site=site, **{"class": cls})
            return m and m["name"]
        t.eq(match(a, "burglary"), "centre", "no assessment: centre-wide")
        p.call("site.assess", site=a, assessed_by="x", pnh=PNH_II)
        p.call("site.assess", site=b, assessed_by="x", pnh={"p": 1, "n": 1, "h": 1})
        t.eq(match(a, "burglary"), "band II", "band II site: the band's protocol")
        t.eq(match(a, "fire"), "band II fire", "band and class first")
        t.eq(match(b, "burglary"), "centre", "band V site: centre-wide")
        with p.tcp() as panel:
            send(panel, 1, "1234", "Nri1/BA01")
        al = alarm_row(alarm_of(p, a, 1))
        t.eq((al.get("protocol") or {}).get("name"), "band II",
             "the alarm gets the band's protocol")
        shown = p.call("protocol.show", name="band II")
        t.eq(shown.get("band"), "pnh:II", "protocol.show has the band")
        r = p.ctl("protocol.put", {"name": "site a", "site": a, "approved_by": "c",
                                   "steps": [{"action": "text", "text": "t",
                                              "deadline": 60}]})
        t.require(r.get("ok"), "site protocol", r)
        t.eq(match(a, "burglary"), "site a", "the site's own protocol wins over the band")


@T.test
def band_mapping_config(t):
    with Pcod(extra=["risk-band pnh II priority 2 take-deadline 0.25 step-deadline 0.5"]) as p:
        site = site_with_unit(p, "Bank", "1234")
        p.call("protocol.put", name="bank", site=site, approved_by="b",
               steps=[{"action": "call", "target": 1, "deadline": 100}])
        p.call("site.assess", site=site, assessed_by="x", pnh=PNH_II)
        with p.tcp() as panel:
            send(panel, 1, "1234", "Nri1/BA03")
            a = alarm_row(alarm_of(p, site, 3))
            t.eq(a["priority"], 1, "raised by 2 (not above 1)")
            take = iso_s(a["take_deadline"]) - iso_s(a["created"])
            t.check(abs(take - 15) < 1.5, "take deadline x0.25", take)
            t.check("step deadlines x0.50" in (a.get("priority_reason") or ""),
                    "reason names the step factor", a.get("priority_reason"))
            p.call("alarm.take", id=a["id"])
            st = p.call("alarm.show", id=a["id"])["steps"][0]
            t.eq(st.get("deadline_s"), 50, "step deadline halved")

            # SIGHUP with another mapping: alarms raised after it follow it.
            p.write_conf(extra=["risk-band pnh II priority 0 take-deadline 1"])
            p.send_signal(signal.SIGHUP)
            time.sleep(0.5)
            send(panel, 2, "1234", "Nri1/BA04")
            b = alarm_row(alarm_of(p, site, 4))
            t.eq(b["priority"], 2, "after reload: no raise")
            t.eq(b.get("priority_reason"), None, "after reload: no reason")

        # Bad lines are refused with file:line.
        for line, want in [
                ("risk-band pnh VI priority 1", "unknown pnh band"),
                ("risk-band matrix most take-deadline 0", "factor 0.05-4"),
                ("risk-band vibes high", "unknown method"),
                ("risk-band points high grade 5", "out of range 0-4")]:
            path = p.write_conf(extra=[line], path=os.path.join(p.dir, "bad.conf"))
            rc, out = p.check_conf(path)
            nlines = len(open(path).read().splitlines())
            t.check(rc == 1 and ("bad.conf:%d: risk-band:" % nlines) in out
                    and want in out, "refused: " + line, out)
        path = p.write_conf(extra=["risk-band pnh I priority 1",
                                   "risk-band pnh I priority 2"],
                            path=os.path.join(p.dir, "dup.conf"))
        rc, out = p.check_conf(path)
        t.check(rc == 1 and "already set on line" in out, "duplicate band refused", out)


@T.test
def bad_documents(t):
    with Pcod() as p:
        site = p.call("site.add", name="Shed")["id"]
        cases = [
            ({"assessed_by": "x"}, "give at least one of"),
            ({"assessed_by": "x", "pnh": {"p": 4, "n": 4}}, "pnh.h: missing"),
            ({"assessed_by": "x", "pnh": {"p": 4, "n": 4, "h": 3, "r": 48}},
             "pnh.r: unknown member"),
            ({"assessed_by": "x", "matrix": {"threats": [
                {"name": "a", "probability": 2, "impact": 5}]}},
             "matrix.threats[0].impact"),
            ({"assessed_by": "x", "matrix": {"threats": "all"}},
             "matrix.threats: must be an array"),
            ({"assessed_by": "x", "zone": {"category": "Z-9", "detection": "space"}},
             "zone.category"),
            ({"assessed_by": "x", "time_balance": {"handling": 1,
                                                    "points": [{"name": "d", "delay": 5}]}},
             "time_balance.travel: missing"),
            ({"assessed_by": "x", "time_balance": {"handling": 1, "unit": 999,
                                                    "points": [{"name": "d", "delay": 5}]}},
             "time_balance.unit: the site has no unit 999"),
            ({"assessed_by": "x", "time_balance": {"handling": "lots", "travel": 1,
                                                    "points": [{"name": "d", "delay": 5}]}},
             "time_balance.handling"),
            ({"assessed_by": "x", "pnh": {"p": 1, "n": 1, "h": 1},
              "assessed_at": "2026-06-01T00:00:00Z", "valid_until": "2026-01-01T00:00:00Z"},
             "valid_until: must be after"),
            ({"assessed_by": "x", "points": {"factors": {"value": "priceless"}}},
             "points.factors.value: not a level"),
            ({"assessed_by": "", "pnh": {"p": 1, "n": 1, "h": 1}}, "assessed_by"),
            ({"assessed_by": "x", "grade": {"components": [{"name": "panel",
                                                           "grade": 5}]}},
             "grade.components[0].grade"),
        ]
        for doc, want in cases:
            r = p.ctl("site.assess", dict(doc, site=site))
            t.check(err(r) == "bad_args" and want in errmsg(r),
                    "refused: %s" % want, r)
        r = p.ctl("site.assess", {"site": 999, "assessed_by": "x",
                                  "pnh": {"p": 1, "n": 1, "h": 1}})
        t.eq(err(r), "not_found", "unknown site")
        t.eq(p.call("site.risk", site=site)["current"], None, "nothing stored")
        # Deep nesting and big values do not hurt the daemon.
        deep = {"a": 1}
        for _ in range(200):
            deep = {"x": deep}
        r = p.ctl("site.assess", {"site": site, "assessed_by": "x", "pnh": deep})
        t.eq(err(r), "bad_args", "deep junk refused")
        r = p.ctl("site.assess", {"site": site, "assessed_by": "x", "matrix": {
            "threats": [{"name": "t", "probability": 5, "impact": 16}] * 65}})
        t.eq(err(r), "bad_args", "too many threats refused")
        t.check(p.running(), "daemon alive")


@T.test
def restart_and_bad_reload(t):
    with Pcod() as p:
        site = site_with_unit(p, "Museum", "1234")
        p.call("site.assess", site=site, assessed_by="x", pnh=PNH_II)
        with p.tcp() as panel:
            send(panel, 1, "1234", "Nri1/BA01")
        first = alarm_row(alarm_of(p, site, 1))
        # A bad mapping on SIGHUP is refused; the running one stays.
        p.write_conf(extra=["risk-band pnh II priority 99"])
        p.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        t.check(p.running(), "bad reload: still running")
        t.check("risk-band" in p.log(), "bad reload logged with the directive")
        p.write_conf()
        p.restart()
        t.eq(p.call("site.risk", site=site)["current"]["version"], 1,
             "assessment kept across a restart")
        kept = alarm_row(alarm_of(p, site, 1))
        t.eq((kept["priority"], kept.get("priority_reason")),
             (first["priority"], first.get("priority_reason")),
             "alarm keeps priority and reason across a restart")
        with p.tcp() as panel:
            send(panel, 2, "1234", "Nri1/BA02")
        t.eq(alarm_row(alarm_of(p, site, 2))["priority"], 1,
             "after the restart the mapping still applies")


@T.test
def sloppy_clients(t):
    with Pcod() as p:
        site = p.call("site.add", name="Garage")["id"]
        cases = [
            {"assessed_by": "x", "pnh": {"p": 4.0, "n": 4, "h": 3}},
            {"assessed_by": "x", "pnh": {"p": "4", "n": 4, "h": 3}},
            {"assessed_by": "x", "pnh": {"p": True, "n": 4, "h": 3}},
            {"assessed_by": "x", "pnh": None},
            {"assessed_by": "x", "pnh": [4, 4, 3]},
            {"assessed_by": "x", "note": "n" * 5000, "pnh": {"p": 1, "n": 1, "h": 1}},
            {"assessed_by": "x" * 200, "pnh": {"p": 1, "n": 1, "h": 1}},
            {"assessed_by": "x", "pnh": {"p": 1, "n": 1, "h": 1,
                                          "measures": ["ok", 3]}},
            {"assessed_by": "x", "time_balance": {"handling": 1e308, "travel": 1,
                                                   "points": [{"name": "d", "delay": 5}]}},
            {"assessed_by": "x", "time_balance": {"handling": 1, "travel": 1,
                                                   "points": [{"name": "d", "delay": 5,
                                                               "zone": -3}]}},
            {"assessed_by": "x", "zone": {"category": "z-1", "detection": "space"}},
            {"assessed_by": "x", "grade": {"components": []}},
            {"assessed_by": "x", "valid_until": "tomorrow", "pnh": {"p": 1, "n": 1, "h": 1}},
        ]
        for doc in cases:
            r = p.ctl("site.assess", dict(doc, site=site))
            t.check(err(r) == "bad_args" and errmsg(r), "refused: %.70s" % json.dumps(doc), r)
        t.eq(p.call("site.risk", site=site)["history"], [], "nothing stored")
        r = p.ctl("site.assess", {"site": site, "assessed_by": "Zoë éè ☃",
                                  "pnh": {"p": 1, "n": 1, "h": 1},
                                  "time_balance": {"handling": 0.25, "travel": 1.5,
                                                   "points": [{"name": "d", "delay": 2}]}})
        t.require(r.get("ok"), "UTF-8 and fractional minutes accepted", r)
        tb = r["result"]["result"]["time_balance"]
        t.eq((tb["points"][0]["margin"], tb["late"]), (0.25, False), "fractional balance")
        r = p.ctl("risk.tables.put", {"document": {"format": "pcod-risk-tables"}})
        t.check(err(r) == "bad_args" and "document.factors: missing" in errmsg(r),
                "tables: missing member named", r)
        t.check(p.running(), "daemon alive")


@T.test
def shipped_examples_and_roles(t):
    with Pcod() as p:
        site = site_with_unit(p, "Warehouse", "1234")
        for name in sorted(os.listdir(ETC)):
            if not name.startswith("assessment"):
                continue
            with open(os.path.join(ETC, name)) as f:
                doc = json.load(f)
            doc.pop("$comment", None)
            r = p.ctl("site.assess", dict(doc, site=site))
            t.check(r.get("ok"), "shipped example %s accepted" % name, r)
        cur = p.call("site.risk", site=site)["current"]["result"]
        if "matrix" in cur:
            t.eq(cur["matrix"]["total"], 256, "warehouse example total")
        with open(os.path.join(ETC, "tables.json")) as f:
            tables = json.load(f)
        r = p.ctl("risk.tables.put", {"document": tables})
        t.check(r.get("ok"), "shipped tables accepted", r)
        t.eq(p.call("risk.tables.show")["version"], 1, "tables version 1")
        bad = dict(tables, bands={"medium": 10, "high": 5})
        r = p.ctl("risk.tables.put", {"document": bad})
        t.check(err(r) == "bad_args" and "document.bands.high" in errmsg(r),
                "bad tables refused", r)
        # An operator may read but not assess.
        p.call("operator.add", login="op1", role="operator", password="secret-pass-1")
        c = pt.Console(p)
        r = c.call("auth.login", {"login": "op1", "password": "secret-pass-1"})
        t.require(r.get("ok"), "operator login", r)
        r = c.call("site.assess", {"site": site, "assessed_by": "op",
                   "pnh": {"p": 1, "n": 1, "h": 1}})
        t.eq(err(r), "forbidden", "operator may not assess")
        r = c.call("site.risk", {"site": site})
        t.check(r.get("ok"), "operator may read site.risk", r)
        c.close()


@T.test
def export_import(t):
    with Pcod() as p:
        site = site_with_unit(p, "Depot", "1234")
        p.call("site.assess", site=site, assessed_by="A", pnh={"p": 2, "n": 2, "h": 2},
               assessed_at="2026-01-01T00:00:00Z")
        p.call("site.assess", site=site, assessed_by="B", pnh=PNH_II,
               time_balance={"handling": 2, "points": [{"name": "d", "delay": 20}]})
        doc = p.call("site.export", id=site)
        ass = doc["site"].get("assessments")
        t.require(isinstance(ass, list) and len(ass) == 2, "export carries both", doc)
        t.eq(ass[0]["assessed_at"], "2026-01-01T00:00:00Z", "times as ISO")
        doc["site"]["name"] = "Depot 2"
        doc["site"]["accounts"] = []
        r = p.ctl("site.import", {"document": doc})
        t.require(r.get("ok"), "import", r)
        new = r["result"]["id"]
        risk = p.call("site.risk", site=new)
        t.eq(risk["current"]["bands"]["pnh"], "II", "imported current band")
        t.eq(len(risk["history"]), 2, "imported history")
        doc["site"]["name"] = "Depot 3"
        doc["site"]["assessments"] = [{"assessed_by": "x", "pnh": {"p": 9}}]
        r = p.ctl("site.import", {"document": doc})
        t.check(err(r) == "bad_args" and "site.assessments[0]" in errmsg(r),
                "bad imported assessment names its place", r)
        t.eq(p.ctl("site.list").get("ok") and
             len([s for s in p.call("site.list") if s["name"] == "Depot 3"]), 0,
             "nothing of a refused import kept")


@T.test
def report_and_pcoctl(t):
    with Pcod() as p:
        a = site_with_unit(p, "Alpha", "1234")
        b = site_with_unit(p, "Beta", "5678")
        p.call("site.assess", site=a, assessed_by="x", pnh=PNH_II,
               grade={"components": [{"name": "panel", "grade": 2}]},
               zone={"category": "Z-4", "detection": "space"},
               valid_until="2026-01-02T00:00:00Z", assessed_at="2026-01-01T00:00:00Z")
        p.call("site.assess", site=b, assessed_by="y", pnh={"p": 1, "n": 1, "h": 2})
        rep = p.call("risk.report")
        t.eq([s["name"] for s in rep["by_band"]["pnh"]["II"]], ["Alpha"], "by band II")
        t.eq([s["name"] for s in rep["by_band"]["pnh"]["V"]], ["Beta"], "by band V")
        fl = {x["name"]: set(x["flags"]) for x in rep["flagged"]}
        t.eq(fl.get("Alpha"), {"grade_low", "detection_late", "expired"},
             "Alpha's flags")
        t.check("Beta" not in fl, "Beta not flagged", fl)
        rc, out, e = p.pcoctl("site", "risk", str(a))
        t.check(rc == 0 and "II" in out and "grade_low" in out, "pcoctl site risk", out + e)
        rc, out, e = p.pcoctl("risk", "report")
        t.check(rc == 0 and "Alpha" in out and "expired" in out, "pcoctl risk report",
                out + e)
        t.check('["' not in out, "pcoctl risk report: flags as a list, not JSON", out)
        path = os.path.join(p.dir, "a.json")
        with open(path, "w") as f:
            json.dump({"assessed_by": "z", "pnh": {"p": 4, "n": 4, "h": 3}}, f)
        rc, out, e = p.pcoctl("site", "assess", str(b), path)
        t.check(rc == 0 and "III" in out, "pcoctl site assess FILE", out + e)
        rc, out, e = p.pcoctl("site", "assess", str(b), "/nonexistent.json")
        t.check(rc != 0, "pcoctl: missing file", out + e)


@T.test
def band_change_checks_protocol_calls(t):
    """An assessment that moves a site into another band re-checks the call
    steps of the protocols that now reach it (issue 12): never refused, the
    reply warns and pcod logs it; no warning when the band stays."""
    with Pcod() as p:
        site = site_with_unit(p, "Jeweller", "1234")		# one contact
        other = site_with_unit(p, "Kiosk", "5678")
        r = p.ctl("protocol.put", {"name": "centre", "approved_by": "c", "steps": [
            {"action": "call", "target": 1, "deadline": 60}]})
        t.require(r.get("ok") and "warnings" not in r["result"], "centre-wide calls 1", r)
        r = p.ctl("protocol.put", {"name": "band II", "band": "pnh:II", "approved_by": "c",
                                   "steps": [{"action": "call", "target": 1, "deadline": 60},
                                             {"action": "call", "target": 3, "deadline": 60}]})
        t.require(r.get("ok") and "warnings" not in r["result"],
                  "no site in band II yet: no warning", r)
        r = p.ctl("site.assess", {"site": site, "assessed_by": "x",
                                  "pnh": {"p": 1, "n": 1, "h": 1}})
        t.require(r.get("ok"), "band V assessment", r)
        t.check("warnings" not in r["result"], "band V: the centre-wide protocol fits", r)
        r = p.ctl("site.assess", {"site": site, "assessed_by": "x", "pnh": PNH_II,
                                  "reason": "new vault"})
        t.require(r.get("ok"), "a band change is never refused", r)
        w = r["result"].get("warnings") or []
        t.eq([(x.get("protocol"), x.get("step"), x.get("contact"), x.get("site"),
               x.get("contacts")) for x in w], [("band II", 2, 3, site, 1)],
             "the reply warns that band II's step 2 calls contact 3 of 1")
        t.check(all("band II" in x.get("message", "") and "contact 3" in x["message"]
                    for x in w), "each warning has a message", w)
        t.eq(p.call("site.risk", site=site)["current"]["version"], 2,
             "the assessment was stored")
        t.check(pt.wait_for(lambda: "moved to another risk band" in p.log(), timeout=3),
                "pcod logs the gaps", p.log()[-2000:])
        # Same band again: nothing new to check, no warning.
        r = p.ctl("site.assess", {"site": site, "assessed_by": "y", "pnh": PNH_II})
        t.check(r.get("ok") and "warnings" not in r["result"],
                "an assessment keeping the band warns of nothing", r)
        # The other site's assessment is not about this site's gaps.
        r = p.ctl("site.assess", {"site": other, "assessed_by": "x",
                                  "pnh": {"p": 1, "n": 1, "h": 1}})
        t.check(r.get("ok") and "warnings" not in r["result"],
                "a band V site is not reached by band II", r)
        # pcoctl shows the warnings with the new version.
        doc = os.path.join(p.dir, "assess.json")
        with open(doc, "w") as f:
            json.dump({"assessed_by": "z", "pnh": {"p": 1, "n": 1, "h": 1}}, f)
        p.call("site.assess", site=site, assessed_by="z", pnh={"p": 1, "n": 1, "h": 1})
        with open(doc, "w") as f:
            json.dump({"assessed_by": "z", "pnh": PNH_II}, f)
        rc, out, errs = p.pcoctl("site", "assess", str(site), doc)
        t.check(rc == 0 and "warnings (1)" in out and "contact 3" in out,
                "pcoctl site assess shows the warnings", [rc, out, errs])


if __name__ == "__main__":
    T.run()
