#!/usr/bin/python3
"""Frames as real panels and vendors' tools send them (issue 7): each layout
is sent to the real daemon, and both its answer and what is stored are
checked.  Strict about the frame (CRC, length, account, key, clock),
liberal about the payload inside it."""

import os
import random
import time

import pcotest as pt
from pcotest import Pcod, num

T = pt.Runner(limit=240)

KEY = "00112233445566778899AABBCCDDEEFF"
NEXT = "text:BBBBBBBBBBBBBBBB"
OTHER = "FFEEDDCCBBAA99887766554433221100"

# One row per layout: (name, data after "#acct|", expected events as
# (code, zone, user, partition), extra checks on the first event).
# The frames are the layouts of issue 7, item 1, as panels write them.
SIA_LAYOUTS = [
    ("modifier then code, no slash", "Nri2BA3", [("BA", 3, None, 2)], {}),
    ("ri0 then a test report", "Nri0RP2", [("RP", 2, None, 0)], {}),
    ("^name^ after the event", "Nri1/BA01^Front door^",
     [("BA", 1, None, 1)], {"name": "Front door"}),
    ("ASCII text block", "NRR|Atest", [("RR", None, None, None)], {"note": "test"}),
    ("text block after an event", "Nri1/BA01|AFront door open",
     [("BA", 1, None, 1)], {"note": "Front door open"}),
    ("extended-SIA name", 'Nri2BA3*"Hall PIR"NM', [("BA", 3, None, 2)],
     {"name": "Hall PIR"}),
    ("several N blocks", "Nri1/BA01|Nri2/FA02",
     [("BA", 1, None, 1), ("FA", 2, None, 2)], {}),
    ("six-digit zone", "Nri1/BA123456", [("BA", 123456, None, 1)], {}),
    ("six-digit user", "Nri1/CL654321", [("CL", None, 654321, 1)], {}),
    ("NL's number is an area", "NNL3", [("NL", None, None, 3)], {}),
    ("ti/da give the event time", "Nti12:34:56/da11-30-2026/BA05",
     [("BA", 5, None, None)], {"event_time": "2026-11-30T12:34:56Z"}),
    ("pi is the device", "Nri1pi7BA02", [("BA", 2, None, 1)], {"peripheral": 7}),
    ("mixed in one frame", 'Nri1/BA01^Front door^/BA02|AZones 1 and 2|Nri2TA3*"Hall"NM',
     [("BA", 1, None, 1), ("BA", 2, None, 1), ("TA", 3, None, 2)],
     {"name": "Front door", "note": "Zones 1 and 2"}),
]


def ev_key(e):
    return (e["code"], e["zone"], e["user"], e["partition"])


def stored(p, acct, seq):
    """Events stored for acct and seq, oldest first."""
    evs = [e for e in p.events(account=acct) if num(e.get("seq")) == seq]
    return sorted(evs, key=lambda e: e["id"])


def enc_frame(seq, acct, data, key, pad, ts="now", token="SIA-DCS"):
    """An encrypted frame with the exact pad given (the pad is what an
    attacker or a panel's random generator chooses)."""
    tss = pt.ts_format() if ts == "now" else ts
    body = (data + "]" + tss).encode("latin-1")
    assert (len(pad) + len(body)) % 16 == 0, (pad, body)
    ct = pt.aes_encrypt(key, pad.encode("latin-1") + body)
    span = ('"*%s"%04dR1L1#%s[' % (token, seq, acct)).encode() + ct.hex().upper().encode()
    return b"\n%04X0%03X" % (pt.crc16(span), len(span)) + span + b"\r"


@T.test
def sia_layouts(t):
    p = Pcod()
    p.add_account("1234")
    with p.tcp() as c:
        for i, (name, data, want, extra) in enumerate(SIA_LAYOUTS, start=1):
            a = c.exchange(pt.sia(i, "1234", data))
            t.eq(a.token, "ACK", "%s: %s -> ACK" % (name, data))
    for i, (name, data, want, extra) in enumerate(SIA_LAYOUTS, start=1):
        evs = stored(p, "1234", i)
        t.eq([ev_key(e) for e in evs], want, "%s: events stored" % name)
        for k, v in extra.items():
            t.check(evs and evs[0].get(k) == v, "%s: %s stored" % (name, k),
                    evs[0] if evs else None)
        t.check(all(e["class"] != "other" for e in evs), "%s: decoded, not other" % name,
                evs)


@T.test
def leading_empty_field_and_undecodable(t):
    p = Pcod()
    p.add_account("0001")
    with p.tcp() as c:
        # one vendor's receiver-compatibility mode: a leading "0" field
        a = c.exchange(pt.build("SIA-DCS", 1, "0001", "#0001|0|NRP"))
        t.eq(a.token, "ACK", "#0001|0|NRP -> ACK")
        # sound frame, payload nobody can read: stored raw as class other, ACKed
        a = c.exchange(pt.sia(2, "0001", "N?!garbage"))
        t.eq(a.token, "ACK", "undecodable payload in a sound frame -> ACK")
    t.eq([ev_key(e) for e in stored(p, "0001", 1)], [("RP", None, None, None)],
         "leading empty field: the test report stored")
    evs = stored(p, "0001", 2)
    t.check(len(evs) == 1 and evs[0]["class"] == "other" and evs[0]["text"] and
            "garbage" in evs[0]["raw"], "undecodable: class other, reason, raw kept", evs)


@T.test
def dialler_without_receiver_and_line(t):
    # The receiver vendor's dialler omits R and L unless configured.
    for conf in ({}, {"receiver": "1", "line": "1"}):
        p = Pcod(conf=conf)
        with p.tcp() as c:
            a = c.exchange(pt.build("SIA-DCS", 1, "0123", "#0123|NRR|AStart of dialler",
                                    rcvr=None, line=None, ts=None))
            t.eq((a.token, a.rcvr, a.line, a.acct), ("ACK", None, None, "0123"),
                 "no R, no L, %s: ACK echoing neither" % (conf or "any receiver"))
        evs = stored(p, "0123", 1)
        t.check(len(evs) == 1 and evs[0]["code"] == "RR" and
                evs[0].get("note") == "Start of dialler",
                "dialler's first message stored with its text", evs)


@T.test
def receiver_and_line_compare_as_numbers(t):
    p = Pcod(conf={"receiver": "12", "line": "0"})
    p.add_account("1234")
    with p.tcp() as c:
        a = c.exchange(pt.sia(1, "1234", "Nri1/BA01", rcvr="0012", line="000000"))
        t.eq((a.token, a.rcvr, a.line), ("ACK", "0012", "000000"),
             "R0012 = R12, L000000 = L0: ACK echoing what came")
        a = c.exchange(pt.sia(2, "1234", "Nri1/BA01", rcvr="12", line=""))
        t.eq(a.token, "ACK", "bare L is line 0")
        a = c.exchange(pt.sia(3, "1234", "Nri1/BA01", rcvr="13", line="0"))
        t.eq(a.token, "DUH", "another receiver's frame -> DUH")
        a = c.exchange(pt.sia(4, "1234", "Nri1/BA01", rcvr="12", line="1"))
        t.eq(a.token, "DUH", "another line's frame -> DUH")
    t.eq(sorted(num(e["seq"]) for e in p.events(account="1234")), [1, 2],
         "only frames addressed to us stored")


@T.test
def no_plaintext_for_a_keyed_account(t):
    p = Pcod()
    p.add_account("5678", key=KEY)
    before = p.counters().get("rejected", {})
    with p.tcp() as c:
        # the attack: a forged alarm, a forged restore and a forged link test
        for seq, fr in ((1, pt.sia(1, "5678", "Nri1/BA01")),
                        (2, pt.sia(2, "5678", "Nri1/BR01")),
                        (3, pt.null(3, "5678"))):
            a = c.exchange(fr)
            t.eq((a.token, a.encrypted), ("DUH", False),
                 "plaintext seq %d for a keyed account -> DUH in the clear" % seq)
        a = c.exchange(pt.sia(4, "5678", "Nri1/BA01", key=KEY), key=KEY)
        t.eq((a.token, a.encrypted), ("ACK", True), "the real panel's frame still ACKed")
    with p.udp() as u:
        a = u.exchange(pt.sia(5, "5678", "Nri1/BA02"))
        t.eq(a.token, "DUH", "plaintext over UDP -> DUH")
    t.eq([num(e["seq"]) for e in p.events(account="5678")], [4],
         "no plaintext frame stored as the panel's event")
    after = p.counters().get("rejected", {})
    t.eq(num(after.get("plaintext", 0)) - num(before.get("plaintext", 0)), 4,
         "rejected.plaintext counted")
    t.check("plaintext" in p.log() and "127.0.0.1" in p.log(),
            "refusal logged with the peer", p.log()[-400:])
    # a roll-out: plaintext allowed for this account, off again afterwards
    p.call("account.update", account="5678", plaintext=True)
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(6, "5678", "Nri1/BA03")).token, "ACK",
             "plaintext taken while the account allows it")
        p.call("account.update", account="5678", plaintext=False)
        t.eq(c.exchange(pt.sia(7, "5678", "Nri1/BA04")).token, "DUH",
             "and refused again once it no longer does")
    acct = p.call("account.show", account="5678")
    t.check(acct.get("plaintext") is False and KEY not in str(acct),
            "account.show: plaintext policy shown, key masked", acct)


@T.test
def clock_handling(t):
    p = Pcod()
    p.add_account("1234")
    p.add_account("2345", plain_clock=True)
    p.add_account("5678", key=KEY)
    with p.tcp() as c:
        # a drifting clock on an unencrypted line must not loop on NAKs
        a = c.exchange(pt.sia(1, "1234", "Nri1/BA01", ts=time.time() - 3600))
        t.eq(a.token, "ACK", "plaintext, clock an hour behind -> ACK (default)")
        a = c.exchange(pt.sia(2, "2345", "Nri1/BA01", ts=time.time() - 3600))
        t.eq(a.token, "NAK", "plaintext, account with plain_clock -> NAK")
        t.check(a.time is not None and abs(a.time - time.time()) <= 5,
                "the NAK carries our time", a.frame)
        # replay protection for encrypted frames is always on
        a = c.exchange(pt.sia(3, "5678", "Nri1/BA01", key=KEY, ts=time.time() - 3600))
        t.eq(a.token, "NAK", "encrypted, clock an hour behind -> NAK")
        a = c.exchange(pt.sia(4, "5678", "Nri1/BA01", key=KEY, ts=None))
        t.eq(a.token, "NAK", "encrypted without a timestamp -> NAK, not DUH")
        t.check(a.time is not None and abs(a.time - time.time()) <= 5,
                "that NAK carries our time so the panel can set its clock", a.frame)
    evs = p.events(account="1234")
    t.check(len(evs) == 1 and evs[0]["panel_time"] is not None,
            "drifting panel's own time kept beside received", evs)


@T.test
def key_rollover(t):
    p = Pcod()
    p.add_account("5678", key=KEY)
    p.call("account.update", account="5678", next_key=NEXT)
    with p.tcp() as c:
        a = c.exchange(pt.sia(1, "5678", "Nri1/BA01", key=KEY), key=KEY)
        t.check(a.token == "ACK" and a.plain is not None and a.time is not None,
                "old key: ACK encrypted with the old key", a.frame)
        a = c.exchange(pt.sia(2, "5678", "Nri1/BA02", key=NEXT), key=NEXT)
        t.check(a.token == "ACK" and a.plain is not None and a.time is not None,
                "next key: ACK encrypted with the next key", a.frame)
        a = c.exchange(pt.sia(3, "5678", "Nri1/BA03", key=OTHER))
        t.eq(a.token, "DUH", "a third key -> DUH")
    t.eq(sorted(num(e["seq"]) for e in p.events(account="5678")), [1, 2],
         "frames under both keys stored")
    # the roll-over ends: the new key becomes the key, the old one is refused
    p.call("account.update", account="5678", key=NEXT, next_key="")
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(4, "5678", "Nri1/BA04", key=KEY)).token, "DUH",
             "after the roll-over the old key is refused")
        t.eq(c.exchange(pt.sia(5, "5678", "Nri1/BA05", key=NEXT), key=NEXT).token, "ACK",
             "and the new one works")
    try:
        p.call("account.update", account="1234", next_key=NEXT)
        t.check(False, "next key for a missing account refused")
    except pt.CtlError as e:
        t.eq(e.code, "not_found", "next key for a missing account -> not_found")
    p.add_account("9999")
    try:
        p.call("account.update", account="9999", next_key=NEXT)
        t.check(False, "next key without a key refused")
    except pt.CtlError as e:
        t.eq(e.code, "bad_args", "a next key without a current key -> bad_args")


@T.test
def pads_that_look_like_accounts(t):
    p = Pcod()
    p.add_account("5678", key=KEY)
    rnd = random.Random(9)
    chars = "".join(chr(c) for c in range(0x21, 0x7f) if chr(c) not in "|[]")
    ok = 0
    sent = 0
    with p.tcp() as c:
        for seq in range(1, 301):
            # bodies of varied length, so that pads of every size come up
            events = "Nri1/BA%02d" % (seq % 90 + 1) + "/BA99" * (seq // 8 % 4)
            data = ("#5678|" if seq % 2 else "|") + events
            body_len = len(data) + 1 + 20
            n = 16 - body_len % 16
            pad = "".join(rnd.choice(chars) for _ in range(n))
            tail = ["#ABC", "#5678", "#12", "#"][seq // 2 % 4]
            if len(tail) <= n:
                pad = pad[:n - len(tail)] + tail
            a = c.exchange(enc_frame(seq, "5678", data, KEY, pad), key=KEY)
            sent += 1
            ok += a.token == "ACK"
    t.eq(ok, sent, "every frame with a pad ending like '#ABC' ACKed")
    evs = p.events(account="5678", limit=5000)
    t.eq(len({num(e["seq"]) for e in evs}), sent, "and every one stored")
    t.check(len(evs) >= sent and all(e["code"] == "BA" and e["partition"] == 1 and
                                     e["class"] == "burglary" for e in evs),
            "decoded from the data, not from the pad", evs[:2])


@T.test
def retransmissions(t):
    p = Pcod()
    p.add_account("5678", key=KEY)
    p.add_account("1234")
    before = num(p.counters().get("duplicates", 0))
    with p.tcp() as c:
        # an encrypted panel must re-stamp every attempt to pass the window
        for attempt in range(3):
            a = c.exchange(pt.sia(7, "5678", "Nri1/BA01", key=KEY,
                                  ts=time.time() - attempt), key=KEY)
            t.eq(a.token, "ACK", "attempt %d with a new timestamp ACKed" % attempt)
        # same seq, different content: a different event
        t.eq(c.exchange(pt.sia(7, "5678", "Nri1/BA02", key=KEY), key=KEY).token, "ACK",
             "same seq, other content ACKed")
        # panels that always send 0000: distinct events stay distinct
        t0 = time.time()
        c.exchange(pt.sia(0, "1234", "Nri1/BA01", ts=t0 - 2))
        c.exchange(pt.sia(0, "1234", "Nri1/BA01", ts=t0 - 1))
        c.exchange(pt.sia(0, "1234", "Nri1/BA01", ts=t0 - 1))  # a true resend
    evs = p.events(account="5678")
    t.eq(sorted((num(e["seq"]), e["zone"]) for e in evs), [(7, 1), (7, 2)],
         "re-stamped retransmissions stored once")
    t.eq(len(p.events(account="1234")), 2,
         "seq 0000: like events with other timestamps kept apart, a resend merged")
    t.eq(num(p.counters().get("duplicates", 0)) - before, 3, "duplicates counted")


@T.test
def extended_data_for_the_operator(t):
    p = Pcod(conf={"listen tcp": "127.0.0.1:{tcp} idle-timeout 2"})
    p.add_account("1234")
    url = "https://video.example.com/clip/" + "a" * 3000 + ".mp4"
    xdata = "[V%s][Vrtsp://cam.example/2][X14.4378][Y50.0755][RKuchy\xf2][IJan Nov\xe1k]" % url
    fr = pt.build("SIA-DCS", 1, "1234", "#1234|Nri1/BA01", xdata=xdata)
    t.check(3000 < len(fr) <= 0xFFF + 10, "a verification frame of %d bytes" % len(fr))
    with p.tcp() as c:
        t.eq(c.exchange(fr).token, "ACK", "long frame with [V...] URLs ACKed over TCP")
    with p.udp() as u:
        fr2 = pt.build("SIA-DCS", 2, "1234", "#1234|Nri1/BA02", xdata=xdata)
        t.eq(u.exchange(fr2).token, "ACK", "and over UDP")
    evs = stored(p, "1234", 1)
    ext = evs[0].get("ext") if evs else None
    t.check(isinstance(ext, dict) and ext.get("verification") == [url, "rtsp://cam.example/2"],
            "verification URLs stored", ext)
    t.check(ext and ext.get("location") == {"longitude": "14.4378", "latitude": "50.0755"},
            "location stored", ext)
    # cp1252 by default: 0xF2 is o-grave, 0xE1 a-acute; valid UTF-8 out
    t.check(ext and ext.get("room") == "Kuchy\u00f2" and ext.get("user_name") == "Jan Nov\u00e1k",
            "room and user name as UTF-8", ext)
    alarm = [a for a in p.call("alarm.list") if a.get("account") == "1234"]
    shown = p.call("alarm.show", id=alarm[0]["id"]) if alarm else {}
    first = (shown.get("events") or [{}])[-1]
    t.check(isinstance(first.get("ext"), dict) and first["ext"].get("room") == "Kuchy\u00f2",
            "alarm.show carries the extended data", first)
    p2 = Pcod(conf={"panel-charset": "cp1250"})
    p2.add_account("1234")
    with p2.tcp() as c:
        c.exchange(pt.build("SIA-DCS", 3, "1234", "#1234|Nri1/BA01", xdata="[RKuchy\xf2]"))
    ext = (stored(p2, "1234", 3) or [{}])[0].get("ext") or {}
    t.eq(ext.get("room"), "Kuchy\u0148", "panel-charset cp1250: 0xF2 is n-caron")


if __name__ == "__main__":
    T.run()
