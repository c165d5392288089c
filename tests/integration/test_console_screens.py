#!/usr/bin/python3
"""The browser console's other screens (issue 13), in headless Chromium
against the real pcod: sites and one site's record, patrols live, the event
search with paging, the handling statistics (the table must agree with
stats.handling over the socket), and the administration of sites,
protocols and operators.  Roles: an operator is refused the admin screens
by the console and, when he calls the API himself, by pcod; a supervisor is
refused the operators screen (operator.* is admin on the server); an admin
adds an operator from the screen and that operator can log in.  Each screen
is shot at 1280x720 (browser.shot).

Skipped (77) when Chromium, chromedriver or python3-selenium are missing."""

import atexit
import json
import socket
import time

import pcotest as pt
from pcotest import Pcod

import browser as br

if br.available():
    print("# %s: skipping" % br.available())
    raise SystemExit(77)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

T = pt.Runner(limit=120)   # a safety net: every wait is bounded
_BROWSER = []


def browser():
    """One Chromium for the whole file (starting one takes seconds on a
    busy machine); each test has its own pcod, so its own origin."""
    if not _BROWSER:
        _BROWSER.append(br.start_browser())
        atexit.register(br.quit, _BROWSER[0])
    return _BROWSER[0]


def logout(d):
    d.find_element(By.CSS_SELECTOR, "#logout").click()
    br.wait_for(d, "#login-user")


def leave(d):
    """End a test's page: nothing of it may reach the next test (whose
    pcod is another), and its console lines are dropped."""
    try:
        d.get("about:blank")
        br.console_errors(d)
    except Exception:  # the test failed with the browser stuck: a new one
        br.quit(d)
        _BROWSER.clear()

PW = {"op1": "operator-pass-1", "sup1": "supervisor-pass-1",
      "adm1": "admin-pass-0001"}




def hhmm(t):
    return time.strftime("%H:%M", time.gmtime(t))


def start_pcod():
    """pcod with the console on a loopback port; (pcod, base URL)."""
    port = pt.free_tcp_port()
    p = Pcod(conf={"http": "%s:%d" % (pt.HOST, port)})
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection((pt.HOST, port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise pt.HardError("http listener not up:\n" + p.log())
            time.sleep(0.05)
    return p, "http://%s:%d" % (pt.HOST, port)


def seed(p, full=True):
    """Operators, two sites (one with zones, call list, unit, account, risk
    assessment, protocol and a patrol route with a round started), events
    from two panels; without full only the operators and the first site with
    its zones, call list and unit.  Returns the ids the tests look for."""
    for login, role in (("op1", "operator"), ("sup1", "supervisor"),
                        ("adm1", "admin")):
        p.call("operator.add", login=login, role=role, password=PW[login],
               name=login.upper())
    sid = p.call("site.add", name="Pharmacy Nord",
                 address="12 Linden Street, Berlin", timezone="UTC",
                 instructions="Call the keyholder first",
                 code_word="bluebird")["id"]
    p.call("site.zone.set", site=sid, number=1, name="Front door",
           location="ground floor", type="burglary")
    p.call("site.zone.set", site=sid, number=2, name="Stock room",
           type="burglary")
    p.call("site.contact.add", site=sid, name="Anna Keyholder",
           phone="+49 30 1234", role="owner", keyholder=True)
    p.call("site.contact.add", site=sid, name="Bob Deputy",
           phone="+49 30 5678", role="manager")
    p.call("site.unit.add", site=sid, kind="guard", name="Patrol 7",
           phone="+49 30 999", response_time=900)
    p.add_account("1234", name="Pharmacy panel", site=sid)
    if not full:
        return {"site": sid}
    other = p.call("site.add", name="Bakery Sud", address="3 Main Road",
                   timezone="UTC")["id"]
    p.add_account("5678", name="Bakery panel", site=other)
    p.call("site.assess", site=sid, assessed_by="J. Novak",
           pnh={"p": 4, "n": 4, "h": 3},
           zone={"category": "Z-3", "detection": "opening"})
    p.call("protocol.put", name="Pharmacy burglary", site=sid,
           approved_by="M. Client (Pharmacy Nord)",
           steps=[{"action": "call", "target": "1", "text": "keyholder",
                   "deadline": 120},
                  {"action": "dispatch", "target": "guard",
                   "deadline": 600}], **{"class": "burglary"})
    p.call("guard.add", name="Jan Novak", devices=["PHONE-1"],
           tags=["BADGE-7"], sites=[sid, other])
    now = time.time()
    p.call("patrol.route.put", name="Night round", site=sid, order="strict",
           checkpoints=[{"tag": "CP-A", "name": "Gatehouse"},
                        {"tag": "CP-B", "name": "Warehouse door",
                         "max_gap": 900},
                        {"tag": "CP-C", "name": "Car park", "max_gap": 900},
                        {"tag": "CP-D", "name": "Loading bay", "max_gap": 900}],
           schedule=[{"days": "mon-sun,holiday", "from": hhmm(now - 3600),
                      "to": hhmm(now + 7200), "rounds": 2}])
    p.call("patrol.checkin", tag="CP-A", device="PHONE-1", time=int(now) - 30)
    # A second route whose next checkpoint is overdue already.
    p.call("patrol.route.put", name="Bakery walk", site=other, order="strict",
           checkpoints=[{"tag": "BK-1", "name": "Oven room"},
                        {"tag": "BK-2", "name": "Back yard", "max_gap": 5}],
           schedule=[{"days": "mon-sun,holiday", "from": hhmm(now - 3600),
                      "to": hhmm(now + 7200), "rounds": 1}])
    p.call("patrol.checkin", tag="BK-1", device="PHONE-1", time=int(now) - 20)
    with p.tcp() as panel:
        seq = 1
        for body in ["Nri1/BA01", "Nri1/FA02"] + ["Nri1/OP01"] * 24:
            a = panel.exchange(pt.sia(seq, "1234", body))
            assert a.token == "ACK", a
            seq += 1
        a = panel.exchange(pt.sia(seq, "5678", "Nri1/PA03"))
        assert a.token == "ACK", a
    return {"site": sid, "other": other}


def text_of(d, css="main"):
    return d.find_element(By.CSS_SELECTOR, css).text


def wait_text(d, css, text, timeout=5):
    """Until an element css holds text; its text (or fail with what it has)."""
    deadline = time.monotonic() + timeout
    got = ""
    while time.monotonic() < deadline:
        try:
            for el in d.find_elements(By.CSS_SELECTOR, css):
                got = el.text
                if text in got:
                    return got
        except Exception:  # stale while the screen redraws
            pass
        time.sleep(0.1)
    raise AssertionError("%r not in %s within %ss; it shows: %r"
                         % (text, css, timeout, got[:400]))


def go(d, base, path, css="main", text=None, timeout=5):
    d.get(base + "/#/" + path)
    if text is not None:
        return wait_text(d, css, text, timeout)
    return None


def no_errors(t, d):
    """No exception, CSP refusal or failed load in the page's console."""
    errs = [e.get("message") for e in br.console_errors(d)
            if "favicon" not in e.get("message", "")]
    t.check(not errs, "the page logged no errors", errs[:5])


def api_from_page(d, cmd, args):
    """One command sent by a script in the page with the page's own session
    (its cookie, and the CSRF token the console keeps in sessionStorage):
    what a user who opens the browser's console could do.  The reply."""
    return d.execute_async_script("""
        const [cmd, args, done] = arguments;
        const s = JSON.parse(sessionStorage.getItem('pcod.session') || '{}');
        fetch('/api', {method: 'POST',
          headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf},
          body: JSON.stringify({cmd, args})})
          .then(async r => done({status: r.status, body: await r.json()}))
          .catch(e => done({error: String(e)}));
    """, cmd, args)


@T.test
def supervisor_screens(t):
    p, base = start_pcod()
    ids = seed(p)
    # Alarms handled for the statistics: op1 takes one at once, sup1 takes
    # and closes another; the rest stay untaken.
    alarms = p.call("alarm.list")
    t.require(len(alarms) >= 3, "the panels raised alarms", alarms)
    op = pt.Console(p)
    t.require(op.req("auth.login", {"login": "op1", "password": PW["op1"]})
              .get("ok"), "op1 logs in on the socket")
    t.require(op.req("alarm.take", {"id": alarms[0]["id"]}).get("ok"),
              "op1 takes an alarm")
    p.call("alarm.close", id=alarms[1]["id"], resolution="test")

    d = browser()
    try:
        br.login(d, base, "sup1", PW["sup1"])

        # Sites: the list, the search, one site's record.
        txt = go(d, base, "sites", text="Pharmacy Nord")
        t.check("Bakery Sud" in txt and "12 Linden Street" in txt,
                "sites: both sites with their address", txt[:300])
        box = d.find_element(By.CSS_SELECTOR, "main input[type=search]")
        box.send_keys("bakery")
        txt = wait_text(d, "main", "1 of 2 site(s)")
        t.check("Pharmacy Nord" not in txt, "sites: the search narrows the list")
        br.shot(d, "screens-sites")
        go(d, base, "site/%d" % ids["site"], text="Anna Keyholder")
        wait_text(d, "main", "J. Novak")     # the risk and the side lists
        txt = wait_text(d, "main", "Pharmacy burglary v1")   # come last
        burglary = [a for a in alarms if a["class"] == "burglary"][0]
        t.check(d.find_elements(By.CSS_SELECTOR, "main a[href='#/alarm/%d']"
                                % burglary["id"]),
                "site: its open burglary alarm links to the alarm screen")
        for want in ("12 Linden Street, Berlin", "Front door", "Stock room",
                     "+49 30 1234", "Bob Deputy", "Patrol 7", "15 min",
                     "1234", "Pharmacy panel", "J. Novak", "band III",
                     "R = 4 × 4 × 3 = 48"):
            t.check(want in txt, "site: shows %r" % want)
        t.check(txt.index("Anna Keyholder") < txt.index("Bob Deputy"),
                "site: the call list in call order")
        br.shot(d, "screens-site")

        # A supervisor adds a contact from the form; pcod has it.
        form = d.find_elements(By.CSS_SELECTOR, "main details.scr-edit")[2]
        form.find_element(By.TAG_NAME, "summary").click()
        form.find_element(By.NAME, "name").send_keys("Cora Night")
        form.find_element(By.NAME, "phone").send_keys("+49 30 4242")
        form.find_element(By.NAME, "position").send_keys("1")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_text(d, "main", "Cora Night")
        cs = p.call("site.show", id=ids["site"])["contacts"]
        t.eq([(c["position"], c["name"]) for c in cs][:2],
             [(1, "Cora Night"), (2, "Anna Keyholder")],
             "site: the contact added from the screen is first of the call list")

        # Removing a zone asks first (a dialog of the page), then it is gone.
        d.find_element(By.CSS_SELECTOR, "main button[aria-label='Remove zone 2']").click()
        dlg = br.wait_for(d, "dialog.scr-dialog", "Remove zone 2?")
        dlg.find_element(By.XPATH, ".//button[text()='Cancel']").click()
        br.wait_for(d, "dialog.scr-dialog", gone=True)
        t.eq(len(p.call("site.show", id=ids["site"])["zones"]), 2,
             "site: a cancelled removal removes nothing")
        d.find_element(By.CSS_SELECTOR, "main button[aria-label='Remove zone 2']").click()
        br.wait_for(d, "dialog.scr-dialog [data-ok]").click()
        br.wait_for(d, "main", "Stock room", gone=True)
        t.eq([z["number"] for z in p.call("site.show", id=ids["site"])["zones"]],
             [1], "site: zone 2 removed from the screen")

        # Patrols (opened with its key): the round on duty and the next
        # checkpoint, then live.
        d.execute_script("document.activeElement && document.activeElement.blur()")
        d.find_element(By.CSS_SELECTOR, "body").send_keys("p")
        txt = wait_text(d, "main", "Night round")
        t.check(d.current_url.endswith("#/patrol"), "key p opens the patrols",
                d.current_url)
        for want in ("Jan Novak", "Warehouse door", "Gatehouse ✓",
                     "1 walked of 2 required"):
            t.check(want in txt, "patrol: shows %r" % want)
        t.check("in " in wait_text(d, "main [data-route='Night round'] .scr-due", " "),
                "patrol: the time left to the next checkpoint")
        late = text_of(d, "main [data-route='Bakery walk']")
        t.check("⚠ OVERDUE by" in late and "Back yard" in late,
                "patrol: an overdue checkpoint is written out, not only coloured",
                late[:300])
        t.check("Back yard ⚠ overdue" in late and "⚠ Round 1: Back yard overdue" in late,
                "patrol: the overdue checkpoint and the finding are marked in words",
                late[:400])
        t.check("scr-card-bad" in d.find_element(
            By.CSS_SELECTOR, "main [data-route='Bakery walk']").get_attribute("class"),
            "patrol: the shift with a finding is marked")
        br.shot(d, "screens-patrol")
        p.call("patrol.checkin", tag="CP-B", device="PHONE-1")
        txt = wait_text(d, "main", "Warehouse door ✓", timeout=13)
        t.check("Car park" in txt, "patrol: a scan shows within one poll (10 s)")
        # Skipping a checkpoint raises a patrol alarm: the screen asks at
        # once, long before the next poll.
        polled = time.monotonic()
        p.call("patrol.checkin", tag="CP-D", device="PHONE-1")
        txt = wait_text(d, "main [data-route='Night round']", "Car park ⚠ skipped",
                        timeout=9)
        t.check(time.monotonic() - polled < 7,
                "patrol: a patrol alarm refreshes the screen before the next poll",
                time.monotonic() - polled)

        # Events: newest first, filters, paging without repeats.
        txt = go(d, base, "events", text="Panic alarm")
        acct = d.find_element(By.NAME, "account")
        acct.clear()
        acct.send_keys("5678")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        txt = wait_text(d, "main .scr-count", "1 event(s)")
        t.check("Panic" in text_of(d, "main .scr-results"),
                "events: the account filter keeps 5678's panic")
        acct.clear()
        Select(d.find_element(By.NAME, "limit")).select_by_value("20")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait_text(d, "main .scr-count", "20 event(s), more may follow")
        d.find_element(By.XPATH, "//main//button[text()='More']").click()
        wait_text(d, "main .scr-count", "27 event(s)")
        rows = d.find_elements(By.CSS_SELECTOR, "main .scr-results tbody tr")
        ids_shown = [r.find_element(By.CSS_SELECTOR, "summary").text
                     for r in rows]
        want = ["#%d" % e["id"] for e in p.events(limit=100)]
        t.eq(ids_shown, want, "events: two pages give every event once, "
             "newest first, as event.list does")
        br.shot(d, "screens-events")
        Select(d.find_element(By.NAME, "class")).select_by_value("fire")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait_text(d, "main .scr-count", "1 event(s)")
        t.check("Fire alarm" in text_of(d, "main .scr-results"),
                "events: the class filter")
        # The time range: before an hour ago nothing; from then on all of it.
        Select(d.find_element(By.NAME, "class")).select_by_value("")
        d.execute_script("""
            const p = n => String(n).padStart(2, '0');
            const t = new Date(Date.now() - 3600e3);
            const v = t.getFullYear() + '-' + p(t.getMonth() + 1) + '-' + p(t.getDate()) +
              'T' + p(t.getHours()) + ':' + p(t.getMinutes()) + ':' + p(t.getSeconds());
            document.querySelector('main input[name=until]').value = v;
            document.querySelector('main input[name=since]').value = '';""")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait_text(d, "main .scr-count", "0 event(s)")
        t.check("No events match" in text_of(d, "main .scr-results"),
                "events: nothing received before an hour ago")
        d.execute_script("""
            const s = document.querySelector('main input[name=since]');
            const u = document.querySelector('main input[name=until]');
            s.value = u.value; u.value = '';""")
        d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait_text(d, "main .scr-count", "20 event(s), more may follow")
        t.check(True, "events: since an hour ago, all of them again")

        # Statistics: the table is stats.handling's.
        go(d, base, "stats", text="by operator")
        out = d.find_element(By.CSS_SELECTOR, "main .scr-statsout")
        args = {"by": "operator", "since": out.get_attribute("data-since"),
                "until": out.get_attribute("data-until"),
                "tz": out.get_attribute("data-tz")}
        want = p.call("stats.handling", **args)
        t.check(want["total"]["count"] >= 3 and want["total"]["taken"] >= 1,
                "stats: the period holds the alarms", want["total"])

        def cells(r):
            return [r.get_attribute("data-group")] + [
                td.text for td in r.find_elements(By.CSS_SELECTOR, "td")]

        def fmt(v, kind):
            if v is None:
                return "—"
            return "%.1f %s" % (v, kind) if kind else str(v)

        keys = [("count", ""), ("taken", ""), ("untaken", ""),
                ("escalated", ""), ("taken_30s_pct", "%"),
                ("taken_60s_pct", "%"), ("take_mean", "s"), ("take_p50", "s"),
                ("take_p90", "s"), ("take_max", "s"), ("close_mean", "s"),
                ("close_p90", "s")]
        for by in ("operator", "hour"):
            want = p.call("stats.handling", **dict(args, by=by))
            got = [cells(r) for r in d.find_elements(
                By.CSS_SELECTOR, "table[data-by=%s] tbody tr, "
                "table[data-by=%s] tfoot tr" % (by, by))]
            exp = [["null" if r["group"] is None else str(r["group"])] +
                   [fmt(r[k], u) for k, u in keys] for r in want["groups"]]
            exp.append(["total"] + [fmt(want["total"][k], u) for k, u in keys])
            t.eq(got, exp, "stats: the %s table is stats.handling's, row by row" % by)
            if by == "operator":
                t.check("op1" in [g[0] for g in got], "stats: op1 has a row")
            bars = d.execute_script(
                "const c = document.querySelectorAll('main canvas.scr-chart')[%d];"
                "return c ? c.dataset.bars : null;" % (0 if by == "operator" else 1))
            t.eq(bars, str(2 * len(want["groups"])),
                 "stats: the %s chart has two bars per group" % by)
        # The solid series (taken within 30 s) really is on the canvas:
        # op1 took his alarm at once, so his bar reaches 100 %.
        blue = d.execute_script(
            "const c = document.querySelector('main canvas.scr-chart');"
            "const x = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            "let n = 0; for (let i = 0; i < x.length; i += 4)"
            "  n += Math.abs(x[i] - 79) < 8 && Math.abs(x[i+1] - 157) < 8 && Math.abs(x[i+2] - 255) < 8;"
            "return n;")
        t.check(blue > 2000, "stats: the bars are drawn on the canvas", blue)
        br.shot(d, "screens-stats")

        # Protocols: the steps; a refused version shows pcod's message.
        go(d, base, "admin/protocols", text="Pharmacy burglary")
        d.find_element(By.LINK_TEXT, "Pharmacy burglary").click()
        txt = wait_text(d, "main .scr-detail", "keyholder")
        t.check("dispatch" in txt and "600 s" in txt,
                "protocols: the steps of the version in force")
        d.find_element(By.XPATH, "//main//button[text()='Edit as new version']").click()
        ed = d.find_element(By.NAME, "document")
        doc = json.loads(ed.get_attribute("value"))
        doc["steps"][0]["target"] = "9"
        d.execute_script("arguments[0].value = arguments[1];", ed, json.dumps(doc))
        d.find_element(By.XPATH, "//main//button[text()='Save as new version']").click()
        txt = wait_text(d, "main .scr-error", "bad_args")
        t.check("contact 9" in txt, "protocols: pcod's refusal is shown as it came",
                txt)
        t.eq(p.call("protocol.show", name="Pharmacy burglary")["version"], 1,
             "protocols: nothing stored for the refused version")
        br.shot(d, "screens-protocols")

        # A supervisor is refused the operators screen (operator.* is admin).
        go(d, base, "admin/operators", text="Not allowed")
        go(d, base, "admin", text="Pharmacy Nord")
        t.check(not d.find_elements(By.LINK_TEXT, "Operators"),
                "admin: no operators tab for a supervisor")
        no_errors(t, d)
    finally:
        leave(d)


@T.test
def operator_refused(t):
    p, base = start_pcod()
    ids = seed(p, full=False)
    d = browser()
    try:
        br.login(d, base, "op1", PW["op1"])
        go(d, base, "site/999", text="not_found")
        go(d, base, "site/abc", text="Not a site id")
        t.check(True, "site: an unknown or malformed id is said so")
        txt = go(d, base, "site/%d" % ids["site"], text="Anna Keyholder")
        t.check(not d.find_elements(By.CSS_SELECTOR, "main form"),
                "site: an operator gets no editing forms")
        nav = d.find_element(By.CSS_SELECTOR, "#nav").text
        t.check("Sites" in nav and "Patrols" in nav and "Events" in nav,
                "nav: an operator has sites, patrols and events", nav)
        t.check("Admin" not in nav and "Statistics" not in nav,
                "nav: no admin or statistics for an operator", nav)
        for path in ("admin/operators", "admin/protocols", "stats"):
            go(d, base, path, text="Not allowed")
            t.check(True, "%s: not allowed for an operator" % path)
        br.shot(d, "screens-operator-refused")
        r = api_from_page(d, "site.list", {})
        t.eq((r.get("status"), r.get("body", {}).get("ok")), (200, True),
             "api: the page's session works for what an operator may do")
        r = api_from_page(d, "operator.add", {"login": "mallory",
                          "role": "admin", "password": "mallory-pass-1"})
        t.eq((r.get("status"), r.get("body", {}).get("ok"),
              (r.get("body", {}).get("error") or {}).get("code")),
             (200, False, "forbidden"),
             "api: operator.add from an operator's page is refused by pcod")
        t.check(all(o["login"] != "mallory" for o in p.call("operator.list")),
                "api: no operator was added")
    finally:
        leave(d)


@T.test
def admin_adds_operator(t):
    p, base = start_pcod()
    seed(p, full=False)
    d = browser()
    try:
        br.login(d, base, "adm1", PW["adm1"])
        txt = go(d, base, "admin/operators", text="sup1")
        t.check("op1" in txt and "adm1" in txt, "operators: the list")
        f = d.find_element(By.CSS_SELECTOR, "main section form")
        f.find_element(By.NAME, "login").send_keys("nina")
        f.find_element(By.NAME, "name").send_keys("Nina N.")
        Select(f.find_element(By.NAME, "role")).select_by_value("supervisor")
        f.find_element(By.NAME, "password").send_keys("short")
        f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        time.sleep(0.3)
        t.check(all(o["login"] != "nina" for o in p.call("operator.list")),
                "operators: a short password is not accepted")
        pw = f.find_element(By.NAME, "password")
        pw.clear()
        pw.send_keys("nina-password-1")
        f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_text(d, "main", "Added nina (supervisor)")
        ops = {o["login"]: o for o in p.call("operator.list")}
        t.eq((ops.get("nina") or {}).get("role"), "supervisor",
             "operators: nina added as supervisor")
        # A login that exists: pcod's refusal shown with its code.
        f = d.find_element(By.CSS_SELECTOR, "main section form")
        f.find_element(By.NAME, "login").send_keys("op1")
        f.find_element(By.NAME, "password").send_keys("whatever-pass-1")
        f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_text(d, "main section .scr-error", "exists")
        br.shot(d, "screens-operators")
        # Sites from the admin screen: add one, remove one with an account
        # (refused, then removed anyway: its account is detached).
        go(d, base, "admin/sites", text="Pharmacy Nord")
        d.find_element(By.CSS_SELECTOR, "main details.scr-add summary").click()
        f = d.find_element(By.CSS_SELECTOR, "main details.scr-add form")
        f.find_element(By.NAME, "name").send_keys("Depot West")
        f.find_element(By.NAME, "address").send_keys("7 Dock Road")
        f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_text(d, "main .scr-list", "Depot West")
        t.check("Depot West" in [x["name"] for x in p.call("site.list")],
                "admin/sites: a site added from the screen")
        d.find_element(By.CSS_SELECTOR,
                       "main button[aria-label='Remove site Pharmacy Nord']").click()
        br.wait_for(d, "dialog.scr-dialog [data-ok]").click()
        dlg = br.wait_for(d, "dialog.scr-dialog", "anyway")
        t.check("accounts" in dlg.text, "admin/sites: pcod's refusal is shown "
                "before removing anyway", dlg.text)
        dlg.find_element(By.CSS_SELECTOR, "[data-ok]").click()
        txt = wait_text(d, "main", "detached accounts 1234")
        t.eq(sorted(x["name"] for x in p.call("site.list")), ["Depot West"],
             "admin/sites: removed with force from the screen")
        t.eq(p.call("account.show", account="1234")["site"], None,
             "admin/sites: its account is detached, not removed")
        br.shot(d, "screens-admin-sites")
        go(d, base, "admin/operators", text="sup1")

        # An admin sets op1's password in the dialog; pcod takes it.
        d.find_element(By.CSS_SELECTOR,
                       "main button[aria-label='Change the password of op1']").click()
        dlg = br.wait_for(d, "dialog.scr-dialog", "New password for op1")
        dlg.find_element(By.NAME, "password").send_keys("op1-new-password")
        dlg.find_element(By.CSS_SELECTOR, "[data-ok]").click()
        wait_text(d, "main", "Password of op1 changed")
        c = pt.Console(p)
        t.check(c.req("auth.login", {"login": "op1", "password": "op1-new-password"})
                .get("ok"), "operators: op1 logs in with the password set on the screen")
        no_errors(t, d)
        logout(d)
        br.login(d, base, "nina", "nina-password-1")
        go(d, base, "stats", text="Handling statistics")
        t.check(True, "nina logs in and, as supervisor, sees the statistics")
    finally:
        leave(d)


if __name__ == "__main__":
    T.run()
