#!/usr/bin/python3
"""DC-09 over TLS: a `listen tls` listener with a generated self-signed
certificate, plain and AES frames, the transport recorded, pipelining,
plain-TCP clients on the TLS port, and bad certificate configuration."""

import datetime
import ipaddress
import os
import socket
import ssl
import subprocess
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import pcotest as pt
from pcotest import Pcod, num

T = pt.Runner()

KEY128 = "00112233445566778899AABBCCDDEEFF"


def make_cert(directory, name="server"):
    """Write NAME.crt / NAME.key (EC P-256, self-signed, SAN IP 127.0.0.1 and
    DNS localhost); return (cert_path, key_path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pcod test receiver")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address(pt.HOST)),
                x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cpath = os.path.join(directory, name + ".crt")
    kpath = os.path.join(directory, name + ".key")
    with open(cpath, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(kpath, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(kpath, 0o600)
    return cpath, kpath




class TlsPanel(pt.TcpPanel):
    """A TcpPanel whose socket is a verified TLS client connection."""

    def __init__(self, port, cafile, timeout=5.0, server_hostname=pt.HOST):
        self.timeout = timeout
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
        ctx.check_hostname = True
        ctx.verify_mode = ssl.CERT_REQUIRED
        raw = socket.create_connection((pt.HOST, port), timeout=timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock = ctx.wrap_socket(raw, server_hostname=server_hostname)
        except Exception:
            raw.close()
            raise
        self.buf = b""

    def read_frame(self, timeout=None):
        try:
            return pt.TcpPanel.read_frame(self, timeout)
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError) as e:
            raise pt.Closed(str(e))


def tls_pcod(extra_opts="idle-timeout 3"):
    """pcod with tcp/udp (harness defaults) plus a tls listener; returns
    (pcod, tls_port, cert_path)."""
    p = Pcod(start=False)
    cert, key = make_cert(p.dir)
    port = pt.free_tcp_port()
    p.write_conf(extra=['listen tls %s:%d cert "%s" key "%s" %s'
                        % (pt.HOST, port, cert, key, extra_opts)])
    p.start()
    # start() probes the tcp listener; make sure the tls one accepts as well
    ok = pt.wait_for(lambda: _connectable(port), timeout=5)
    if not ok:
        raise pt.HardError("tls listener %d not accepting:\n%s" % (port, p.log()))
    p.tls_port, p.cert = port, cert
    return p, port, cert


def alive(t, p, c, seq=9000, acct="1234"):
    """A NULL link test right after the handshake must be ACKed; a closed
    connection fails the current test with pcod's reason for closing it."""
    try:
        a = c.exchange(pt.null(seq, acct))
    except pt.Closed as e:
        why = [ln for ln in p.log().splitlines() if "closed:" in ln and "control" not in ln]
        t.require(False, "TLS connection stays open after the handshake",
                  "pcod closed it (%s); last log line: %s" % (e, why[-1] if why else "?"))
    t.require(a.token == "ACK", "NULL link test over a fresh TLS connection ACKed", a.frame)


def _connectable(port):
    try:
        socket.create_connection((pt.HOST, port), timeout=1).close()
        return True
    except OSError:
        return False


@T.test
def tls_plain_and_encrypted(t):
    p, port, cert = tls_pcod()
    p.add_account("A128", key=KEY128)
    with TlsPanel(port, cert) as c:
        t.check(c.sock.version() in ("TLSv1.2", "TLSv1.3"),
                "handshake verified against the generated cert (SAN IP 127.0.0.1)",
                c.sock.version())
        alive(t, p, c)
        a = c.exchange(pt.sia(1, "1234", "Nri1/BA01"))
        t.eq((a.token, a.seq, a.acct, a.encrypted), ("ACK", "0001", "1234", False),
             "plain SIA over TLS -> ACK")
        a = c.exchange(pt.cid(2, "1234", "1110 01 007"))
        t.eq((a.token, a.seq), ("ACK", "0002"), "plain CID over TLS -> ACK")
        a = c.exchange(pt.null(3, "1234"))
        t.eq((a.token, a.seq), ("ACK", "0003"), "NULL over TLS -> ACK")
        a = c.exchange(pt.sia(4, "A128", "Nri2/FA02", key=KEY128, pad=None), key=KEY128)
        t.check(a.token == "ACK" and a.encrypted and a.seq == "0004" and a.plain is not None
                and a.time is not None and abs(a.time - time.time()) <= 5,
                "AES-128 SIA over TLS -> encrypted ACK with current time", a.frame)
        a = c.exchange(pt.sia(5, "A128", "Nri1/BA01", key="FFEEDDCCBBAA99887766554433221100"))
        t.eq((a.token, a.seq), ("DUH", "0005"), "wrong AES key over TLS -> DUH")
        a = c.exchange(pt.sia(6, "1234", "Nri1/BA01", crc=0x1234))
        t.eq(a.token, "NAK", "bad CRC over TLS -> NAK")
        a = c.exchange(pt.sia(7, "1234", "Nri1/BA07"))
        t.eq((a.token, a.seq), ("ACK", "0007"), "TLS connection usable after rejects")
    with p.tcp() as c:
        a = c.exchange(pt.sia(8, "1234", "Nri1/BA08"))
        t.eq(a.token, "ACK", "plain tcp listener still works beside tls")
    evs = p.events(account="1234")
    got = sorted((num(e.get("seq")), e.get("code"), e.get("transport")) for e in evs)
    t.info("event.list transport for TLS frames: %r"
           % sorted(set(e.get("transport") for e in evs if num(e.get("seq")) != 8)))
    t.eq([(s, c) for s, c, _ in got], [(1, "BA"), (2, "110"), (7, "BA"), (8, "BA")],
         "TLS events stored once each (NULL and rejects not stored)")
    t.eq([tr for s, _, tr in got if s != 8], ["tls", "tls", "tls"],
         "event.list reports transport 'tls' for TLS connections")
    t.eq([tr for s, _, tr in got if s == 8], ["tcp"], "tcp event reports transport 'tcp'")
    enc = p.events(account="A128")
    t.eq([(num(e.get("seq")), e.get("class"), num(e.get("zone")), e.get("transport"))
          for e in enc], [(4, "fire", 2, "tls")], "encrypted TLS event stored and decoded")
    t.check(all(e.get("peer", "").startswith(pt.HOST) for e in evs + enc),
            "peer address recorded for TLS events", [e.get("peer") for e in evs + enc])
    t.check(p.running(), "pcod still running")


@T.test
def tls_pipelined(t):
    p, port, cert = tls_pcod()
    p.add_account("A128", key=KEY128)
    n = 12
    frames = []
    for i in range(1, n + 1):
        if i % 3 == 0:
            frames.append(pt.sia(i, "A128", "Nri1/BA%02d" % i, key=KEY128))
        else:
            frames.append(pt.sia(i, "5678", "Nri1/BA%02d" % i))
    with TlsPanel(port, cert) as c:
        alive(t, p, c)
        c.send(b"".join(frames))        # one TLS record / write
        answers = []
        for _ in range(n):
            answers.append(c.read(key=KEY128))
        t.eq([(a.token, a.seq) for a in answers], [("ACK", "%04d" % i) for i in range(1, n + 1)],
             "%d pipelined frames over TLS answered in order" % n)
        # the same again, byte by byte in small pieces
        frames2 = [pt.sia(100 + i, "5678", "Nri1/BA%02d" % i) for i in range(1, 4)]
        blob = b"".join(frames2)
        for k in range(0, len(blob), 7):
            c.send(blob[k:k + 7])
        answers = [c.read() for _ in range(3)]
        t.eq([(a.token, a.seq) for a in answers], [("ACK", "%04d" % (100 + i)) for i in range(1, 4)],
             "frames split over many TLS records answered in order")
        t.check(c.quiet(0.3), "no extra answers")
    seqs = sorted(num(e.get("seq")) for e in p.events(account="5678"))
    want = sorted([i for i in range(1, n + 1) if i % 3] + [101, 102, 103])
    t.eq(seqs, want, "pipelined plain frames stored once each")
    t.eq(sorted(num(e.get("seq")) for e in p.events(account="A128")), [3, 6, 9, 12],
         "pipelined encrypted frames stored once each")


@T.test
def tls_port_plain_client(t):
    p, port, cert = tls_pcod()
    # A panel speaking plain DC-09 to the TLS port: no handshake.
    with pt.TcpPanel(port, timeout=5) as c:
        c.send(pt.sia(1, "9999", "Nri1/BA01"))
        got = b""
        closed = False
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            c.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = c.sock.recv(4096)
            except (ConnectionResetError, BrokenPipeError):
                closed = True
                break
            except socket.timeout:
                break
            if not chunk:
                closed = True
                break
            got += chunk
        t.check(closed, "plain client on the TLS port is disconnected")
        t.check(b"ACK" not in got, "no plaintext ACK to a non-TLS client", got[:80])
    # Garbage and a half-open idle connection.
    with pt.TcpPanel(port, timeout=5) as c:
        c.send(b"\x16\x03\x01\x00\x05hello-this-is-no-handshake" * 4)
        t.check(c.wait_closed(6), "garbage handshake: connection closed")
    with pt.TcpPanel(port, timeout=5) as c:
        t.check(c.wait_closed(7), "idle connection without handshake closed by idle-timeout")
    with TlsPanel(port, cert) as c:
        t0 = time.monotonic()
        closed = c.wait_closed(6)
        took = time.monotonic() - t0
        t.check(closed and 2.5 <= took <= 5.5,
                "TLS client idle after the handshake closed by idle-timeout (3 s)",
                "closed=%s after %.1f s" % (closed, took))
    t.check(p.running(), "pcod still running after non-TLS clients")
    t.eq(p.events(account="9999"), [], "nothing stored from the plain client")
    with TlsPanel(port, cert) as c:
        alive(t, p, c)
        a = c.exchange(pt.sia(2, "9999", "Nri1/BA02"))
        t.eq((a.token, a.seq), ("ACK", "0002"), "TLS client served afterwards")
    st = p.counters()
    t.check(num(st.get("connections_open")) <= 1, "no leaked connections",
            st.get("connections_open"))
    # A TLS client that aborts mid-handshake (closes right after connecting).
    for _ in range(5):
        s = socket.create_connection((pt.HOST, port), timeout=2)
        s.send(b"\x16\x03\x01")
        s.close()
    time.sleep(0.3)
    t.check(p.running() and p.status() is not None, "pcod survives aborted handshakes")
    t.check(pt.wait_for(lambda: num(p.counters().get("connections_open")) == 0, timeout=6),
            "aborted handshakes leave no open connections", p.counters().get("connections_open"))


def start_fails(p, path):
    """Run pcod -f -c path; (rc, stderr) or (None, stderr) if it kept running."""
    proc = subprocess.Popen([p.pcod, "-f", "-c", path], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=p.dir)
    try:
        out, _ = proc.communicate(timeout=5)
        return proc.returncode, out.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return None, out.decode("utf-8", "replace")


@T.test
def tls_bad_cert_config(t):
    p = Pcod(start=False)
    cert, key = make_cert(p.dir)
    other_cert, other_key = make_cert(p.dir, "other")
    port = pt.free_tcp_port()
    missing = os.path.join(p.dir, "no-such-cert.pem")

    def conf(name, line):
        return p.write_conf(extra=[line], path=os.path.join(p.dir, name + ".conf"))

    good = conf("good", 'listen tls %s:%d cert "%s" key "%s"' % (pt.HOST, port, cert, key))
    rc, err = p.check_conf(good)
    t.eq(rc, 0, "pcod -n accepts a tls listener with cert and key")

    path = conf("nocert", 'listen tls %s:%d cert "%s" key "%s"' % (pt.HOST, port, missing, key))
    rc, err = p.check_conf(path)
    t.check(rc == 1 and "no-such-cert.pem" in err,
            "pcod -n loads the cert: a missing one exits 1 naming the file", (rc, err.strip()))
    rc, out = start_fails(p, path)
    t.eq(rc, 1, "start with a missing cert file exits 1")
    t.check("no-such-cert.pem" in out, "start-up message names the missing cert file", out)

    missing_key = os.path.join(p.dir, "no-such-key.pem")
    path = conf("nokey", 'listen tls %s:%d cert "%s" key "%s"' % (pt.HOST, port, cert,
                                                                   missing_key))
    rc, out = start_fails(p, path)
    t.eq(rc, 1, "start with a missing key file exits 1")
    t.check("no-such-key.pem" in out, "start-up message names the missing key file", out)

    path = conf("mismatch", 'listen tls %s:%d cert "%s" key "%s"' % (pt.HOST, port, cert,
                                                                      other_key))
    rc, out = start_fails(p, path)
    t.eq(rc, 1, "start with a key that does not match the cert exits 1")
    t.check("other.key" in out or "server.crt" in out, "mismatch message names the files", out)

    path = conf("notpem", 'listen tls %s:%d cert "%s" key "%s"' % (pt.HOST, port, good, key))
    rc, out = start_fails(p, path)
    t.eq(rc, 1, "start with a cert file that is not PEM exits 1")

    for name, line in [
            ("tlsnokey", 'listen tls %s:%d cert "%s"' % (pt.HOST, port, cert)),
            ("tlsnocert", 'listen tls %s:%d key "%s"' % (pt.HOST, port, key)),
            ("tcpcert", 'listen tcp %s:%d cert "%s" key "%s"' % (pt.HOST, port, cert, key))]:
        path = conf(name, line)
        rc, err = p.check_conf(path)
        t.check(rc == 1 and (path + ":") in err, "pcod -n refuses %s with file:line" % name,
                (rc, err))
    # tcp and tls on the same address clash
    path = conf("clash", 'listen tls %s:{tcp} cert "%s" key "%s"' % (pt.HOST, cert, key))
    rc, err = p.check_conf(path)
    t.check(rc == 1 and (path + ":") in err, "pcod -n refuses tls on the tcp listener's port",
            (rc, err))


if __name__ == "__main__":
    T.run()
