#!/usr/bin/python3
"""Basic ingest: the harness's DC-09 against the vectors, plain SIA/CID over
TCP and UDP, stored fields, long-lived and per-frame connections,
pipelining, link tests, retransmissions, unknown accounts."""

import os
import time

import pcotest as pt
from pcotest import Pcod, num, truthy

T = pt.Runner()


@T.test
def vectors_selfcheck(t):
    """Our DC-09 code reproduces every stored vector byte for byte."""
    vecs = pt.load_vectors()
    t.require(len(vecs) >= 10, "vectors loaded", len(vecs))
    for v in vecs:
        name, fr = v["name"], v["frame"]
        msg = pt.parse(fr, key=v["key"])
        t.check(msg.crc_ok and msg.len_ok, "vector %s: CRC and length" % name)
        if msg.encrypted:
            t.eq(msg.plain, v["plaintext"], "vector %s: decrypts to stated plaintext" % name)
            again = pt.build(msg.token, msg.seq, msg.acct, msg.data_raw, msg.xdata,
                             rcvr=msg.rcvr, line=msg.line, ts=msg.ts or None,
                             key=v["key"], pad=msg.pad or "0")
        else:
            again = pt.build(msg.token, msg.seq, msg.acct, msg.data_raw, msg.xdata,
                             rcvr=msg.rcvr, line=msg.line, ts=msg.ts or None,
                             nak_acct=msg.nak_acct)
        t.eq(again, fr, "vector %s: rebuilt byte for byte" % name)


def ev_by_seq(evs, seq):
    return [e for e in evs if num(e.get("seq")) == seq]


@T.test
def plain_tcp_udp_stored(t):
    p = Pcod()
    p.add_account("1234")
    with p.tcp() as c:
        sent2 = pt.sia(2, "1234", "Nri1/BA01")
        a = c.exchange(sent2)
        t.eq((a.token, a.seq, a.rcvr, a.line, a.acct), ("ACK", "0002", "1", "1", "1234"),
             "SIA over TCP: ACK echoes seq/R/L/acct")
        t.check(not a.encrypted and a.data == "", "plain ACK has empty data")
        sent3 = pt.sia(3, "1234", "Nri1/BA01/BA02/TA03")
        a = c.exchange(sent3)
        t.eq(a.token, "ACK", "SIA multi-event frame ACKed")
        a = c.exchange(pt.cid(5, "1234", "1130 01 015"))
        t.eq(a.token, "ACK", "CID new ACKed")
        a = c.exchange(pt.cid(6, "1234", "3130 01 015"))
        t.eq(a.token, "ACK", "CID restore ACKed")
        a = c.exchange(pt.cid(7, "1234", "1110 01 007"))
        t.eq(a.token, "ACK", "CID fire ACKed")
        a = c.exchange(pt.sia(8, "1234", "Nri1/CL501"))
        t.eq(a.token, "ACK", "SIA closing ACKed")
        a = c.exchange(pt.build("SIA-DCS", 9, "1234", "#1234|Nri1/BA04", rcvr=None, line=""))
        t.eq((a.token, a.rcvr, a.line), ("ACK", None, ""),
             "frame without R and with bare L: ACK echoes no R and bare L")
    with p.udp() as u:
        a = u.exchange(pt.sia(10, "1234", "Nri2/FA05"))
        t.eq((a.token, a.seq, a.acct), ("ACK", "0010", "1234"), "SIA over UDP ACKed")
    evs = p.events(account="1234")
    t.require(isinstance(evs, list), "event.list returns a list", type(evs))
    one = ev_by_seq(evs, 2)
    t.eq(len(one), 1, "seq 2 stored as one event")
    if one:
        e = one[0]
        t.eq((e.get("account"), e.get("code"), e.get("class"), num(e.get("zone")),
              num(e.get("partition")), e.get("format"), e.get("transport")),
             ("1234", "BA", "burglary", 1, 1, "SIA", "tcp"), "SIA BA01 fields")
        t.check(not truthy(e.get("unknown_account")), "known account not flagged")
        t.eq(e.get("raw"), sent2.decode("latin-1"), "raw frame kept byte for byte")
        t.check(e.get("received"), "received time present")
        t.check(e.get("peer") and "127.0.0.1" in str(e.get("peer")), "peer recorded",
                e.get("peer"))
        t.check("qualifier" in e and "text" in e and "user" in e, "event has qualifier/text/user")
    multi = ev_by_seq(evs, 3)
    t.eq(sorted((e.get("class"), num(e.get("zone")), num(e.get("partition"))) for e in multi),
         [("burglary", 1, 1), ("burglary", 2, 1), ("tamper", 3, 1)],
         "SIA BA01/BA02/TA03 -> 3 events")
    t.eq(sorted(set((e.get("transport"), e.get("raw")) for e in multi)),
         [("tcp", sent3.decode("latin-1"))],
         "each of the 3 events lists the one frame")
    # Schema 17: the multi-event frame keeps a row of its own, linked from its
    # events; every one-event frame is its event's row alone.
    t.eq(p.sql("SELECT seq FROM frames"), [(3,)],
         "only the multi-event frame has a frames row")
    t.eq(p.sql("SELECT count(*) FROM events WHERE frame_id IS NOT NULL AND"
               " transport IS NULL AND raw IS NULL"), [(3,)],
         "its 3 events point to it and hold none of its columns")
    t.eq(p.sql("SELECT count(*) FROM events WHERE frame_id IS NULL AND"
               " transport IS NOT NULL AND raw IS NOT NULL")[0][0], len(evs) - 3,
         "the others hold their frame in their own row")
    c5 = ev_by_seq(evs, 5)
    t.eq([(e.get("code"), e.get("class"), e.get("qualifier"), num(e.get("zone")),
           num(e.get("partition")), e.get("format")) for e in c5],
         [("130", "burglary", "new", 15, 1, "CID")], "CID 1130 01 015 fields")
    c6 = ev_by_seq(evs, 6)
    t.eq([(e.get("code"), e.get("qualifier")) for e in c6], [("130", "restore")],
         "CID 3130 qualifier restore")
    c7 = ev_by_seq(evs, 7)
    t.eq([(e.get("code"), e.get("class"), num(e.get("zone"))) for e in c7],
         [("110", "fire", 7)], "CID 1110 fire zone 7")
    c8 = ev_by_seq(evs, 8)
    t.eq([(e.get("code"), e.get("class"), num(e.get("user"))) for e in c8],
         [("CL", "openclose", 501)], "SIA CL501 openclose user 501")
    u10 = ev_by_seq(evs, 10)
    t.eq([(e.get("class"), e.get("transport")) for e in u10], [("fire", "udp")],
         "UDP event stored with transport udp")
    if len(evs) >= 2:
        rec = [e.get("received") for e in evs]
        t.check(rec == sorted(rec, reverse=True), "event.list newest first", rec[:5])
    lim = p.events(account="1234", limit=2)
    t.eq(len(lim), 2, "event.list honours limit")
    cls = p.events(account="1234", **{"class": "fire"})
    t.eq(sorted(num(e.get("seq")) for e in cls), [7, 10], "event.list filters by class")


@T.test
def long_lived_and_per_frame(t):
    p = Pcod()
    p.add_account("2001")
    n = 150
    bad = []
    with p.tcp() as c:
        for i in range(1, n + 1):
            a = c.exchange(pt.sia(i, "2001", "Nri1/BA%02d" % (i % 99 + 1)))
            if a.token != "ACK" or a.seq != "%04d" % i:
                bad.append((i, a.token, a.seq))
    t.eq(bad, [], "%d frames on one connection all ACKed with their seq" % n)
    bad = []
    for i in range(n + 1, n + 41):
        with p.tcp() as c:
            a = c.exchange(pt.cid(i, "2001", "1130 01 %03d" % (i % 999)))
            if a.token != "ACK" or a.seq != "%04d" % i:
                bad.append((i, a.token, a.seq))
    t.eq(bad, [], "40 frames with one connection each all ACKed")
    evs = p.events(account="2001")
    t.eq(len(evs), n + 40, "all events stored once")
    st = p.counters()
    t.check(num(st.get("acks")) >= n + 40, "status counters.acks counts ACKs", st.get("acks"))


@T.test
def pipelined_in_order(t):
    p = Pcod()
    p.add_account("3001")
    frames, want = [], []
    for i in range(1, 31):
        if i == 17:
            frames.append(pt.sia(i, "3001", "Nri1/BA01", crc=0))   # broken CRC
            want.append(("NAK", "0000"))
        else:
            frames.append(pt.sia(i, "3001", "Nri1/BA%02d" % i))
            want.append(("ACK", "%04d" % i))
    with p.tcp() as c:
        c.send(b"".join(frames))
        got = []
        for _ in frames:
            a = c.read()
            got.append((a.token, a.seq))
        t.check(c.quiet(), "no extra answers after the 30")
    t.eq(got, want, "30 pipelined frames (one bad) answered once each, in order")
    # the same, split at odd places
    blob = b"".join(pt.sia(100 + i, "3001", "Nri1/BA01") for i in range(10))
    with p.tcp() as c:
        for k in range(0, len(blob), 7):
            c.send(blob[k:k + 7])
        got = [c.read().seq for _ in range(10)]
    t.eq(got, ["%04d" % (100 + i) for i in range(10)], "frames split across writes")


@T.test
def link_test_and_retransmission(t):
    p = Pcod()
    p.add_account("4001")
    with p.tcp() as c:
        a = c.exchange(pt.null(7, "4001"))
        t.eq((a.token, a.seq), ("ACK", "0007"), "NULL link test ACKed")
        a = c.exchange(pt.null(8, "4001", ts=None))
        t.eq(a.token, "ACK", "NULL without timestamp ACKed")
        t.eq(len(p.events(account="4001")), 0, "link test not stored as an event")
        fr = pt.sia(42, "4001", "Nri1/BA03")
        t.eq(c.exchange(fr).token, "ACK", "first transmission ACKed")
        t.eq(c.exchange(fr).token, "ACK", "retransmission on same connection ACKed")
    with p.tcp() as c:
        t.eq(c.exchange(fr).token, "ACK", "retransmission on a new connection ACKed")
    with p.udp() as u:
        t.eq(u.exchange(fr).token, "ACK", "retransmission over UDP ACKed")
    t.eq(len(ev_by_seq(p.events(account="4001"), 42)), 1, "retransmissions stored once")
    with p.tcp() as c:
        a = c.exchange(pt.sia(43, "4001", "Nri1/BA03", ts=None))
        t.eq(a.token, "ACK", "plain frame without timestamp ACKed")
    t.eq(len(ev_by_seq(p.events(account="4001"), 43)), 1, "frame without timestamp stored")


@T.test
def unknown_account_accepted(t):
    p = Pcod()
    with p.tcp() as c:
        a = c.exchange(pt.sia(11, "ABCDEF", "Nri1/BA01"))
        t.eq(a.token, "ACK", "unknown account ACKed under unknown-accounts accept")
    evs = p.events(account="ABCDEF")
    t.eq(len(evs), 1, "unknown account's event stored")
    if evs:
        t.check(truthy(evs[0].get("unknown_account")), "event flagged unknown_account",
                evs[0].get("unknown_account"))


if __name__ == "__main__":
    T.run()
