#!/usr/bin/python3
"""The browser console's static files (issue 13): GET and HEAD of / and of
each /www/NAME of the manifest (WWW_FILES in Makefile.am), byte for byte the
files of src/www/ (the copy built into pcod), with their content types, the
security headers, an ETag and 304 on If-None-Match; nothing else is served:
no directory, no "..", no encoded path, no other file, no other method."""

import http.client
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=60)

SRCDIR = os.path.dirname(os.environ.get("TESTDATA") or
                         os.path.join(os.path.dirname(__file__), "..", "x"))
CSP = ("default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


def manifest():
    """WWW_FILES of Makefile.am, += blocks included."""
    text = open(os.path.join(SRCDIR, "Makefile.am")).read().replace("\\\n", " ")
    files = []
    for m in re.finditer(r"^WWW_FILES\s*\+?=(.*)$", text, re.M):
        files += m.group(1).split()
    return files




def start():
    p = Pcod(start=False)
    p.http_port = pt.free_tcp_port()
    p.write_conf(conf={"http": "%s:%d" % (pt.HOST, p.http_port)})
    p.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection((pt.HOST, p.http_port), timeout=1).close()
            return p
        except OSError:
            time.sleep(0.05)
    raise pt.HardError("http listener not up:\n" + p.log())


def get(p, path, method="GET", headers=None):
    c = http.client.HTTPConnection(pt.HOST, p.http_port, timeout=10)
    c.putrequest(method, path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, body


@T.test
def every_file_served(t):
    files = manifest()
    t.require(len(files) >= 10 and "src/www/index.html" in files and
              "src/www/js/app.js" in files, "the manifest lists the console", files)
    p = start()
    for f in files:
        name = f[len("src/www/"):]
        want = open(os.path.join(SRCDIR, f), "rb").read()
        st, h, body = get(p, "/www/" + name)
        ext = os.path.splitext(name)[1]
        t.check(st == 200 and body == want,
                "GET /www/%s: 200 and the file byte for byte" % name, (st, len(body), len(want)))
        t.eq(h.get("content-type"), TYPES.get(ext), "%s: Content-Type" % name)
    st, h, body = get(p, "/")
    t.check(st == 200 and body == open(os.path.join(SRCDIR, "src/www/index.html"), "rb").read(),
            "GET / is index.html", st)
    t.eq(h.get("content-type"), "text/html; charset=utf-8", "/ is text/html")
    t.check(b'type="module" src="/www/js/app.js"' in body and b"<script>" not in body,
            "index.html loads app.js as a module, no inline script (the CSP forbids it)")


@T.test
def security_headers_and_etag(t):
    p = start()
    st, h, body = get(p, "/www/js/app.js")
    t.require(st == 200, "app.js served", st)
    t.eq(h.get("content-security-policy"), CSP, "Content-Security-Policy")
    t.eq(h.get("x-frame-options"), "DENY", "X-Frame-Options: DENY")
    t.eq(h.get("referrer-policy"), "no-referrer", "Referrer-Policy: no-referrer")
    t.eq(h.get("x-content-type-options"), "nosniff", "X-Content-Type-Options: nosniff")
    t.eq(h.get("cache-control"), "no-cache", "Cache-Control: no-cache (revalidate, may be kept)")
    etag = h.get("etag") or ""
    t.check(re.fullmatch(r'"[0-9a-f]{32}"', etag), "a strong ETag", etag)
    t.eq(int(h.get("content-length", -1)), len(body), "Content-Length")
    st2, h2, body2 = get(p, "/www/js/app.js", headers={"If-None-Match": etag})
    t.check(st2 == 304 and body2 == b"" and h2.get("etag") == etag,
            "If-None-Match with its ETag: 304, no body, the same ETag", (st2, h2))
    t.eq(h2.get("content-security-policy"), CSP, "the 304 has the headers too")
    st3, _, _ = get(p, "/www/js/app.js", headers={"If-None-Match": 'W/"x", ' + etag})
    t.eq(st3, 304, "a list with the tag, weak form: 304")
    st4, _, b4 = get(p, "/www/js/app.js", headers={"If-None-Match": '"0000"'})
    t.check(st4 == 200 and b4 == body, "another tag: 200 and the body", st4)
    st5, _, b5 = get(p, "/www/style.css", headers={"If-None-Match": etag})
    t.eq(st5, 200, "app.js's tag does not match style.css")
    sth, hh, bh = get(p, "/www/js/app.js", method="HEAD")
    t.check(sth == 200 and bh == b"" and hh.get("etag") == etag and
            int(hh.get("content-length", -1)) == len(body) and
            hh.get("content-type") == "text/javascript; charset=utf-8",
            "HEAD: the GET's headers and length, no body", (sth, hh, len(bh)))
    st6, h6, b6 = get(p, "/www/js/app.js?v=2")
    t.check(st6 == 200 and b6 == body, "a query string is ignored", st6)


@T.test
def nothing_else_served(t):
    p = start()
    # Files that exist in the test's folder or the source, outside the manifest.
    for path in ("/www/", "/www", "/www/js", "/www/js/", "/www/js/screens/",
                 "/www/../pcod.conf", "/www/js/../js/app.js", "/www//js/app.js",
                 "/www/./js/app.js", "/www/%2e%2e/pcod.conf", "/www/js%2fapp.js",
                 "/www/%6As/app.js", "/www/js/app.js/", "/www/js/app.js%00",
                 "/www/JS/APP.JS", "/index.html", "/pcod.conf", "/pcod.db",
                 "/www/embed.sh", "/www/PLAN.md", "/www/../../../../etc/passwd",
                 "/..", "/.", "//", "/www/js/app.js.bak", "/favicon.ico",
                 "/%2e%2e/etc/passwd", "/www/js/app.js;x"):
        st, h, body = get(p, path)
        t.check(st == 404 and b"<!doctype" not in body and b"import" not in body,
                "GET %s: 404" % path, (st, body[:60]))
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        st, h, _ = get(p, "/www/js/app.js", method=method)
        t.check(st == 405 and "GET" in h.get("allow", "") and "HEAD" in h.get("allow", ""),
                "%s of a file: 405 with Allow: GET, HEAD" % method, (st, h.get("allow")))
    # The API's routes are still the API's.
    st, h, body = get(p, "/api/events")
    t.eq(st, 401, "GET /api/events without a cookie: still 401")
    c = http.client.HTTPConnection(pt.HOST, p.http_port, timeout=10)
    c.request("POST", "/api/login", body=b'{"login":"x","password":"y"}',
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    c.close()
    t.eq(r.status, 401, "POST /api/login still logs in (wrong password: 401)")
    t.check(p.running(), "pcod still runs")


def make(target, destdir):
    """make TARGET DESTDIR=destdir in the build directory: (rc, output)."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    r = subprocess.run(["make", "-s", target, "DESTDIR=" + destdir],
                       cwd=os.path.dirname(os.environ["PCOD"]) or ".",
                       env=env, capture_output=True, timeout=180)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


@T.test
def installed_under_pkgdatadir(t):
    """make install puts every file of the manifest under
    $(pkgdatadir)/www (where pcod looks first); uninstall removes them."""
    dest = tempfile.mkdtemp(prefix="pcotest-www.")
    try:
        rc, out = make("install-www", dest)
        t.require(rc == 0, "make install-www into a DESTDIR", out[-600:])
        roots = [d for d, _, files in os.walk(dest)
                 if d.endswith(os.path.join("pcod", "www")) and "index.html" in files]
        t.require(len(roots) == 1, "one .../share/pcod/www with index.html", roots)
        for f in manifest():
            got = os.path.join(roots[0], f[len("src/www/"):])
            t.check(os.path.isfile(got) and
                    open(got, "rb").read() == open(os.path.join(SRCDIR, f), "rb").read(),
                    "installed: %s" % f[len("src/www/"):])
        rc, out = make("uninstall-www", dest)
        left = [os.path.join(d, f) for d, _, files in os.walk(dest) for f in files]
        t.check(rc == 0 and left == [], "uninstall leaves no file", left)
        t.check(not os.path.exists(roots[0]), "nor the www directory")
    finally:
        shutil.rmtree(dest, ignore_errors=True)


if __name__ == "__main__":
    T.run()
