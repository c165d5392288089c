#!/usr/bin/python3
"""Control socket, pcoctl, pcod -n and SIGHUP."""

import json
import os
import signal
import socket
import time

import pcotest as pt
from pcotest import Pcod, num

T = pt.Runner()


def err_code(r):
    return None if r.get("ok") else (r.get("error") or {}).get("code")


@T.test
def status_and_accounts(t):
    p = Pcod()
    r = p.ctl("status", id=77)
    t.eq((r.get("id"), r.get("ok")), (77, True), "status: reply echoes id, ok true")
    cnt = (r.get("result") or {}).get("counters") or {}
    want = ["frames", "events", "acks", "naks", "duhs", "connections_open", "last_batch",
            "rejected"]
    t.eq([k for k in want if k not in cnt], [], "status counters present")
    rej = cnt.get("rejected") or {}
    want = ["crc", "length", "format", "token", "decrypt", "data", "time", "unknown_account"]
    t.eq([k for k in want if k not in rej], [], "status rejected.* present")

    key = "00112233445566778899AABBCCDDEEFF"
    r = p.ctl("account.add", {"account": "1234", "key": key, "name": "Shop"})
    t.check(r.get("ok"), "account.add with key", r)
    r = p.ctl("account.add", {"account": "5678"})
    t.check(r.get("ok"), "account.add without key", r)
    t.eq(err_code(p.ctl("account.add", {"account": "1234"})), "exists",
         "account.add twice -> exists")
    lst = p.call("account.list")
    if isinstance(lst, dict) and "accounts" in lst:
        lst = lst["accounts"]
    accts = sorted(a.get("account") for a in lst) if isinstance(lst, list) else lst
    t.eq(accts, ["1234", "5678"], "account.list lists both")
    sh = p.call("account.show", account="1234")
    t.eq(sh.get("account"), "1234", "account.show returns the account")
    t.eq(sh.get("name"), "Shop", "account.show returns the name")
    t.check(key not in json.dumps(sh) and key.lower() not in json.dumps(sh),
            "account.show masks the key", sh)
    t.eq(err_code(p.ctl("account.show", {"account": "9999"})), "not_found",
         "account.show unknown -> not_found")
    r = p.ctl("account.remove", {"account": "5678"})
    t.check(r.get("ok"), "account.remove", r)
    t.eq(err_code(p.ctl("account.show", {"account": "5678"})), "not_found",
         "removed account gone")
    t.eq(err_code(p.ctl("account.remove", {"account": "5678"})), "not_found",
         "account.remove twice -> not_found")


@T.test
def control_errors(t):
    p = Pcod()
    p.ctl_send_raw(b'{"id": 1, "cmd": \n')
    r = p.ctl_read()
    t.eq(err_code(r), "bad_json", "broken JSON -> bad_json")
    t.eq(p.ctl("status").get("ok"), True, "connection usable after bad_json")
    p.ctl_send_raw(b'[1, 2, 3]\n')
    t.eq(err_code(p.ctl_read()), "bad_request", "JSON array -> bad_request")
    p.ctl_send_raw(b'{"id": 5}\n')
    r = p.ctl_read()
    t.eq(err_code(r), "bad_request", "missing cmd -> bad_request")
    t.eq(r.get("id"), 5, "error reply carries the id")
    t.eq(err_code(p.ctl("no.such.command")), "unknown_command", "unknown_command")
    t.eq(err_code(p.ctl("account.add", {})), "bad_args", "account.add without account -> bad_args")
    t.eq(err_code(p.ctl("account.add", {"account": "XYZ!"})), "bad_args",
         "account.add with non-hex account -> bad_args")
    t.eq(err_code(p.ctl("account.add", {"account": "1234", "key": "abc"})), "bad_args",
         "account.add with bad key -> bad_args")
    t.eq(err_code(p.ctl("event.list", {"limit": "many"})), "bad_args",
         "event.list limit not a number -> bad_args")
    t.eq(err_code(p.ctl("account.add", {"account": "1234", "bogus": 1})), "bad_args",
         "unknown argument -> bad_args")
    r = p.ctl("status")
    t.eq(r.get("ok"), True, "connection still usable after all errors")
    # pipelined requests on a fresh connection, answered in order
    s = p.ctl_connect()
    s.sendall(b"".join(json.dumps({"id": i, "cmd": "status"}).encode() + b"\n"
                       for i in range(1, 11)))
    buf = b""
    s.settimeout(5)
    while buf.count(b"\n") < 10:
        ch = s.recv(65536)
        if not ch:
            break
        buf += ch
    s.close()
    ids = [json.loads(ln).get("id") for ln in buf.splitlines() if ln.strip()]
    t.eq(ids, list(range(1, 11)), "10 pipelined requests answered in order")
    # a huge line must not kill the daemon
    try:
        s = p.ctl_connect()
        s.sendall(b"{" + b" " * 2000000)
        s.close()
    except OSError:
        pass
    t.eq(p.ctl("status").get("ok"), True, "daemon survives an oversized control line")


@T.test
def pcoctl_cli(t):
    if not pt._binary("PCOCTL"):
        t.info("PCOCTL not available: skipping pcoctl checks")
        return
    p = Pcod()
    rc, out, err = p.pcoctl("account", "add", "1234", "--key",
                            "00112233445566778899AABBCCDDEEFF")
    t.eq(rc, 0, "pcoctl account add --key: exit 0")
    rc, out, err = p.pcoctl("account", "add", "1234")
    t.check(rc == 1 and err.strip(), "pcoctl duplicate account: exit 1, message on stderr",
            (rc, err))
    rc, out, err = p.pcoctl("account", "add")
    t.eq(rc, 2, "pcoctl account add without ACCT: exit 2")
    rc, out, err = p.pcoctl("nosuch")
    t.eq(rc, 2, "pcoctl with a lone unknown word: exit 2")
    rc, out, err = p.pcoctl("nosuch", "verb", "--x")
    t.eq(rc, 2, "pcoctl generic command with an option lacking its value: exit 2")
    rc, out, err = p.pcoctl("nosuch", "verb", "--x", "1", "stray")
    t.eq(rc, 2, "pcoctl generic command with a stray positional argument: exit 2")
    rc, out, err = p.pcoctl("nosuch", "verb", "--x", "1")
    t.check(rc == 1 and "unknown_command" in err and "nosuch.verb" in err,
            "pcoctl passes other commands to pcod: unknown_command, exit 1", (rc, err))
    rc, out, err = p.pcoctl("--bogus-option", "status")
    t.eq(rc, 2, "pcoctl unknown option: exit 2")
    key = "00112233445566778899AABBCCDDEEFF"
    with p.tcp() as c:
        for i in range(1, 6):
            c.exchange(pt.sia(i, "1234", "Nri1/BA%02d" % i, key=key), key=key)
    rc, out, err = p.pcoctl("event", "list", "--account", "1234", "--limit", "3",
                            json_out=True)
    t.eq(rc, 0, "pcoctl --json event list: exit 0")
    try:
        lst = json.loads(out)
        if isinstance(lst, dict) and "events" in lst:
            lst = lst["events"]
        t.eq([num(e.get("seq")) for e in lst], [5, 4, 3],
             "pcoctl --json event list prints the JSON list (newest first, limit)")
    except ValueError as e:
        t.check(False, "pcoctl --json output is JSON", out[:200])
    rc, out, err = p.pcoctl("event", "list", "--account", "1234")
    t.check(rc == 0 and "BA" in out, "pcoctl event list (table) exit 0", (rc, out[:200]))
    rc, out, err = p.pcoctl("status", json_out=True)
    try:
        t.check(rc == 0 and "counters" in json.loads(out), "pcoctl --json status")
    except ValueError:
        t.check(False, "pcoctl --json status is JSON", out[:200])
    p.stop()
    rc, out, err = p.pcoctl("status")
    t.check(rc == 1 and err.strip(), "pcoctl with daemon down: exit 1 with message",
            (rc, err))


@T.test
def config_check_and_reload(t):
    p = Pcod(start=False)
    rc, err = p.check_conf(p.conf_path)
    t.eq(rc, 0, "pcod -n on a good conf: exit 0")
    cases = [
        ("unknown directive", ["frobnicate 12"]),
        ("bad number", ['duplicate-window 12abc']),
        ("bad listen address", ["listen tcp 127.0.0.1:99999"]),
        ("bad unknown-accounts value", ["unknown-accounts maybe"]),
    ]
    for what, extra in cases:
        bad = os.path.join(p.dir, "bad.conf")
        p.write_conf(extra=extra, path=bad)
        nlines = p.conf_text(extra=extra).count("\n")
        rc, err = p.check_conf(bad)
        t.check(rc == 1 and ("bad.conf:%d:" % nlines) in err,
                "pcod -n, %s: exit 1 with file:line" % what, (rc, err.strip()[:200]))
    p.start()
    p.add_account("1234")
    good = open(p.conf_path).read()
    with open(p.conf_path, "a") as f:
        f.write("frobnicate 12\n")
    p.send_signal(signal.SIGHUP)
    ok = pt.wait_for(lambda: "pcod.conf:%d:" % (good.count("\n") + 1) in p.log(), 3)
    t.check(ok, "SIGHUP with broken conf: log names file:line")
    time.sleep(0.2)
    t.check(p.running(), "SIGHUP with broken conf: still running")
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(1, "1234", "Nri1/BA01")).token, "ACK",
             "still ingests with the old conf")
    t.eq(p.ctl("status").get("ok"), True, "control still answers")
    # a good reload keeps running too
    with open(p.conf_path, "w") as f:
        f.write(good.replace("unknown-accounts accept", "unknown-accounts reject"))
    p.send_signal(signal.SIGHUP)
    ok = pt.wait_for(lambda: "reloaded" in p.log(), 3)
    t.check(ok and p.running(), "SIGHUP with good conf: reloaded, still running")
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(2, "1234", "Nri1/BA01")).token, "ACK",
             "ingests after good reload")
        t.eq(c.exchange(pt.sia(3, "9999", "Nri1/BA01")).token, "DUH",
             "the reloaded policy applies at once: unknown account -> DUH")
    t.eq(p.stop(), 0, "SIGTERM: exit 0")
    if os.path.exists(p.sock_path):
        t.info("note: control socket file left behind after exit")


if __name__ == "__main__":
    T.run()
