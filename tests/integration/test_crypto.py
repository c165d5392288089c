#!/usr/bin/python3
"""Encrypted DC-09: AES-128/192/256 and text keys, encrypted ACKs, wrong or
missing keys."""

import time

import pcotest as pt
from pcotest import Pcod, num

T = pt.Runner()

KEYS = {
    "A128": "00112233445566778899AABBCCDDEEFF",
    "A192": "000102030405060708090A0B0C0D0E0F1011121314151617",
    "A256": "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
    "A7E4": "text:AAAAAAAAAAAAAAAA",
}
WRONG = "FFEEDDCCBBAA99887766554433221100"


def check_enc_ack(t, a, key, seq, acct, what):
    ok = (a.token == "ACK" and a.encrypted and a.seq == "%04d" % seq and a.acct == acct
          and a.rcvr == "1" and a.line == "1")
    t.check(ok, "%s: encrypted *ACK echoing seq/R/L/acct" % what, a.frame)
    t.check(a.plain is not None and a.time is not None and abs(a.time - time.time()) <= 5,
            "%s: ACK decrypts with the key to pad]timestamp(now)" % what, a.plain)


@T.test
def encrypted_acked(t):
    p = Pcod()
    for acct, key in KEYS.items():
        p.add_account(acct, key=key)
    with p.tcp() as c:
        seq = 1
        for acct, key in KEYS.items():
            a = c.exchange(pt.sia(seq, acct, "Nri2/FA02", key=key, pad=None), key=key)
            check_enc_ack(t, a, key, seq, acct, "SIA %s" % acct)
            seq += 1
        key = KEYS["A128"]
        a = c.exchange(pt.build("SIA-DCS", seq, "A128", "|Nri3/BA04", key=key), key=key)
        check_enc_ack(t, a, key, seq, "A128", "SIA without #acct inside")
        seq += 1
        a = c.exchange(pt.cid(seq, "A128", "1110 01 007", key=key), key=key)
        check_enc_ack(t, a, key, seq, "A128", "CID AES-128")
        cidseq = seq
        seq += 1
        a = c.exchange(pt.null(seq, "A256", key=KEYS["A256"]), key=KEYS["A256"])
        check_enc_ack(t, a, KEYS["A256"], seq, "A256", "NULL AES-256")
        seq += 1
        a = c.exchange(pt.sia(seq, "A128", "Nri1/BA01", key=key, xdata="[X012E34][Y045N23]"),
                       key=key)
        check_enc_ack(t, a, key, seq, "A128", "SIA with xdata")
    with pt.UdpPanel(p.udp_port) as u:
        key = KEYS["A192"]
        a = u.exchange(pt.sia(90, "A192", "Nri1/BA09", key=key), key=key)
        check_enc_ack(t, a, key, 90, "A192", "UDP AES-192")
    for acct in KEYS:
        evs = p.events(account=acct)
        t.check(any(e.get("class") == "fire" and num(e.get("zone")) == 2 for e in evs),
                "encrypted SIA for %s stored (fire zone 2)" % acct,
                [(e.get("code"), e.get("zone")) for e in evs])
    evs = [e for e in p.events(account="A128") if num(e.get("seq")) == cidseq]
    t.eq([(e.get("code"), e.get("class"), num(e.get("zone"))) for e in evs],
         [("110", "fire", 7)], "encrypted CID stored and decoded")
    # keys are never shown in full
    shown = str(p.call("account.list")) + str(p.call("account.show", account="A256"))
    leaked = [k for k in KEYS.values() if k.replace("text:", "") in shown]
    t.eq(leaked, [], "account.list/show mask keys")


@T.test
def encrypted_rejected(t):
    p = Pcod()
    p.add_account("A128", key=KEYS["A128"])
    p.add_account("0FF1")
    before = p.counters().get("rejected", {})
    with p.tcp() as c:
        a = c.exchange(pt.sia(1, "A128", "Nri1/BA01", key=WRONG), key=KEYS["A128"])
        t.eq((a.token, a.seq, a.acct), ("DUH", "0001", "A128"), "wrong key -> DUH")
        # A panel with the wrong key could not read an encrypted answer.
        t.eq(a.encrypted, False, "DUH to an undecryptable frame is sent in the clear")
        a = c.exchange(pt.sia(2, "0FF1", "Nri1/BA01", key=KEYS["A128"]))
        t.eq((a.token, a.seq), ("DUH", "0002"), "encrypted frame for account without key -> DUH")
        a = c.exchange(pt.sia(3, "CAFE", "Nri1/BA01", key=KEYS["A128"]))
        t.eq(a.token, "DUH", "encrypted frame for unknown account -> DUH")
        key = KEYS["A128"]
        a = c.exchange(pt.sia(4, "A128", "Nri1/BA01", key=key, ts=time.time() - 300), key=key)
        t.eq(a.token, "NAK", "encrypted frame with stale timestamp -> NAK")
        a = c.exchange(pt.sia(5, "A128", "Nri1/BA01", key=key), key=key)
        t.check(a.token == "ACK" and a.encrypted, "connection usable after rejects", a.frame)
    t.eq([num(e.get("seq")) for e in p.events(account="A128")], [5],
         "only the good encrypted frame stored")
    t.eq(len(p.events(account="0FF1")), 0, "nothing stored for the keyless account")
    after = p.counters().get("rejected", {})
    t.check(num(after.get("decrypt", 0)) - num(before.get("decrypt", 0)) >= 2,
            "rejected.decrypt counted", after)


@T.test
def account_key_forms(t):
    p = Pcod()
    ok = []
    for i, key in enumerate(["00" * 16, "11" * 24, "22" * 32, "text:" + "B" * 16,
                             "text:" + "C" * 24, "text:" + "D" * 32]):
        try:
            p.add_account("B%03d" % i, key=key)
            ok.append(True)
        except pt.CtlError as e:
            ok.append(str(e))
    t.eq(ok, [True] * 6, "account.add accepts 32/48/64 hex and text:16/24/32 keys")
    bad = []
    for i, key in enumerate(["00" * 15, "zz" * 16, "text:short", "00" * 20]):
        r = p.ctl("account.add", {"account": "C%03d" % i, "key": key})
        if r.get("ok") or (r.get("error") or {}).get("code") != "bad_args":
            bad.append((key, r))
    t.eq(bad, [], "account.add refuses malformed keys with bad_args")
    key = "text:" + "D" * 32
    with p.tcp() as c:
        a = c.exchange(pt.sia(1, "B005", "Nri1/BA01", key=key), key=key)
        t.check(a.token == "ACK" and a.encrypted, "32-character text key works", a.frame)


if __name__ == "__main__":
    T.run()
