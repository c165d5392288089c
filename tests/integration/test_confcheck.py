#!/usr/bin/python3
"""Issue 12 (4b, 4c): what pcod -n finds beyond the grammar, and that
start-up and SIGHUP find the same: listeners that cannot all bind
(wildcard and specific addresses, 0.0.0.0 and [::], IPv4-mapped IPv6),
TLS certificate and key files that are missing, unreadable, not PEM,
encrypted or not a pair, and a control socket mode wider than 0660.
Every finding is one "file:line: message" line; errors exit 1."""

import datetime
import os
import re
import signal
import subprocess
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import pcotest as pt
from pcotest import Pcod

T = pt.Runner(limit=120)


def make_cert(directory, name, days=1, password=None):
    """NAME.crt / NAME.key, self-signed EC P-256 valid `days` from now
    (negative: expired); the key encrypted with password if given."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pcod check")])
    now = datetime.datetime.now(datetime.timezone.utc)
    start = now - datetime.timedelta(days=max(0, -days) + 2)
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(now + datetime.timedelta(days=days))
            .sign(key, hashes.SHA256()))
    cpath = os.path.join(directory, name + ".crt")
    kpath = os.path.join(directory, name + ".key")
    with open(cpath, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    enc = serialization.BestAvailableEncryption(password) if password \
        else serialization.NoEncryption()
    with open(kpath, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8, enc))
    os.chmod(kpath, 0o600)
    return cpath, kpath


def conf_with(p, name, extra, conf=None):
    """Write NAME.conf (the defaults plus extra lines); (path, first extra line)."""
    path = os.path.join(p.dir, name + ".conf")
    p.write_conf(conf=conf, extra=extra, path=path)
    first = p.conf_text(conf=conf).count("\n") + 1
    return path, first


def check(p, path, **kw):
    """pcod -n -c path: (rc, stderr lines)."""
    r = subprocess.run([p.pcod, "-n", "-c", path], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=10, **kw)
    return r.returncode, r.stderr.decode("utf-8", "replace").splitlines()


def start(p, path):
    """pcod -f -c path: (rc or None if it kept running, stderr lines)."""
    proc = subprocess.Popen([p.pcod, "-f", "-c", path], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            cwd=p.dir)
    try:
        out, _ = proc.communicate(timeout=8)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        rc = None
    return rc, out.decode("utf-8", "replace").splitlines()


def findings(lines, path):
    """The "file:line: message" findings in lines, prefixes removed (and
    pcod -n's "warning: ", which the log says with its level)."""
    out = []
    for ln in lines:
        i = ln.find(path + ":")
        if i >= 0 and re.match(r"\d+: ", ln[i + len(path) + 1:]):
            out.append(re.sub(r"^(\S+:\d+: )warning: ", r"\1", ln[i:]))
    return out


@T.test
def listen_conflicts(t):
    p = Pcod(start=False)
    port = p.tcp_port
    cases = [
        ("wild4", ["listen tcp 0.0.0.0:%d" % port],
         "conflicts with tcp 127.0.0.1:%d on line 4: 0.0.0.0 already takes port" % port),
        ("dual", ["listen tcp 0.0.0.0:%d" % (port + 1), "listen tcp [::]:%d" % (port + 1)],
         "[::] takes port %d on every IPv4 address too" % (port + 1)),
        ("mapped", ["listen udp [::ffff:127.0.0.1]:%d" % p.udp_port],
         "the same address and port (127.0.0.1:%d)" % p.udp_port),
        ("tls-on-tcp-wild", ["listen tls *:%d cert x key y" % port],
         "conflicts with tcp 127.0.0.1:%d" % port),
    ]
    for name, extra, want in cases:
        path, first = conf_with(p, name, extra)
        rc, err = check(p, path)
        bad = [ln for ln in err if "conflicts with" in ln]
        t.check(rc == 1 and len(bad) == 1 and bad[0].startswith(
            "%s:%d: listen: " % (path, first + len(extra) - 1)) and want in bad[0],
            "pcod -n %s: exit 1, file:line: %s" % (name, want), err)
    # not conflicts: tcp beside udp on one port, [::1] beside 0.0.0.0, two addresses
    path, first = conf_with(p, "fine", [
        "listen udp 0.0.0.0:%d" % (port + 2), "listen tcp 0.0.0.0:%d" % (port + 2),
        "listen tcp [::1]:%d" % (port + 2), "listen tcp 127.0.0.2:%d" % port])
    rc, err = check(p, path)
    t.check(rc == 0 and err == ["%s: configuration OK" % path],
            "pcod -n: tcp and udp on one port, [::1] beside 0.0.0.0 are fine", err)

    # start-up refuses the same configuration with the same messages, binds nothing
    path, first = conf_with(p, "dual-start", ["listen tcp [::]:%d" % port])
    rc, err = check(p, path)
    rc2, out = start(p, path)
    t.eq(rc2, 1, "start-up refuses a listen conflict (exit 1)")
    t.check(findings(out, path) == findings(err, path) and findings(err, path),
            "start-up reports what pcod -n reports", (findings(out, path), err))
    t.check(not os.path.exists(p.sock_path), "nothing opened: no control socket")
    # what pcod really does at bind: start it with a conflict the check missed
    # would fail with EADDRINUSE; prove the check matches the kernel
    import socket
    a = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    b = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        a.bind(("0.0.0.0", 0))
        a.listen()
        try:
            b.bind(("::", a.getsockname()[1]))
            b.listen()
            kernel = "bound"
        except OSError as e:
            kernel = e.strerror
        v6only = open("/proc/sys/net/ipv6/bindv6only").read().strip()
        t.check(kernel != "bound" or v6only != "0",
                "the kernel agrees: [::] without IPV6_V6ONLY clashes with 0.0.0.0",
                (kernel, v6only))
    finally:
        a.close()
        b.close()


@T.test
def tls_files(t):
    p = Pcod(start=False)
    cert, key = make_cert(p.dir, "good")
    other_cert, other_key = make_cert(p.dir, "other")
    old_cert, old_key = make_cert(p.dir, "old", days=-1)
    enc_cert, enc_key = make_cert(p.dir, "enc", password=b"secret")
    port = p.tcp_port + 3
    missing = os.path.join(p.dir, "missing.pem")

    def tls(c, k):
        return ['listen tls 127.0.0.1:%d cert "%s" key "%s"' % (port, c, k)]

    cases = [
        ("missing-cert", tls(missing, key), "cert %s: No such file or directory" % missing),
        ("missing-key", tls(cert, missing), "key %s: No such file or directory" % missing),
        ("dir-cert", tls(p.dir, key), "cert %s: not a regular file" % p.dir),
        ("notpem-cert", tls(p.conf_path, key), "cert %s: not a PEM certificate" % p.conf_path),
        ("cert-as-key", tls(cert, cert), "key %s: not a PEM private key" % cert),
        ("mismatch", tls(cert, other_key),
         "key %s does not match cert %s" % (other_key, cert)),
        ("encrypted", tls(enc_cert, enc_key), "key %s: encrypted with a passphrase" % enc_key),
    ]
    for name, extra, want in cases:
        path, first = conf_with(p, name, extra)
        t0 = time.monotonic()
        rc, err = check(p, path)
        t.check(rc == 1 and len(err) == 1 and err[0].startswith(
                "%s:%d: listen: tls 127.0.0.1:%d: %s" % (path, first, port, want)),
                "pcod -n %s: exit 1 and one line: %s" % (name, want), err)
        t.check(time.monotonic() - t0 < 5, "%s: no passphrase prompt, no wait" % name)
    path, first = conf_with(p, "encrypted-start", tls(enc_cert, enc_key))
    rc, out = start(p, path)
    t.check(rc == 1 and any("encrypted with a passphrase" in ln for ln in out),
            "start-up refuses the encrypted key with the same message", out)

    # an expired certificate loads: a warning, exit 0
    path, first = conf_with(p, "expired", tls(old_cert, old_key))
    rc, err = check(p, path)
    t.check(rc == 0 and len(err) == 2 and err[0].startswith(
        "%s:%d: warning: listen: tls 127.0.0.1:%d: cert %s is expired" %
        (path, first, port, old_cert)) and "configuration OK (with warnings)" in err[1],
        "pcod -n: an expired cert is a warning, exit 0", err)

    # unreadable for pcod's user (the unit's ExecStartPre= runs as pcod)
    if os.getuid() == 0:
        os.chmod(p.dir, 0o755)
        for f in (cert, p.conf_path):
            os.chmod(f, 0o644)
        path, first = conf_with(p, "unreadable", tls(cert, key))
        os.chmod(path, 0o644)

        def as_nobody():
            os.setgid(65534)
            os.setuid(65534)
        rc, err = check(p, path, preexec_fn=as_nobody)
        t.check(rc == 1 and len(err) == 1 and err[0] ==
                "%s:%d: listen: tls 127.0.0.1:%d: key %s: Permission denied"
                % (path, first, port, key),
                "pcod -n as another user: the key is unreadable, file:line", err)
    else:
        t.info("not root: the unreadable case runs as ourselves")
        os.chmod(key, 0)
        path, first = conf_with(p, "unreadable", tls(cert, key))
        rc, err = check(p, path)
        t.check(rc == 1 and err and "key %s: Permission denied" % key in err[0],
                "pcod -n: an unreadable key, file:line", err)
        os.chmod(key, 0o600)


@T.test
def every_finding_reported(t):
    """One file with several problems: all of them, each at its line."""
    p = Pcod(start=False)
    cert, key = make_cert(p.dir, "good")
    other_cert, other_key = make_cert(p.dir, "other")
    port = p.tcp_port
    extra = ["listen tcp [::ffff:127.0.0.1]:%d" % port,
             'listen tls 127.0.0.1:%d cert "%s" key "%s"' % (port + 5, cert, other_key),
             "listen udp 0.0.0.0:%d" % p.udp_port]
    path, first = conf_with(p, "many", extra, conf={"control": '"pcod.sock" mode 0666'})
    rc, err = check(p, path)
    t.eq(rc, 1, "pcod -n: exit 1")
    ctl_line = [i + 1 for i, ln in enumerate(open(path).read().splitlines())
                if ln.startswith("control ")][0]
    want = ["%s:%d: warning: control: mode 0666 is wider than 0660" % (path, ctl_line),
            "%s:%d: listen: tcp [::ffff:127.0.0.1]:%d conflicts with tcp 127.0.0.1:%d"
            % (path, first, port, port),
            "%s:%d: listen: udp 0.0.0.0:%d conflicts with udp 127.0.0.1:%d"
            % (path, first + 2, p.udp_port, p.udp_port),
            "%s:%d: listen: tls 127.0.0.1:%d: key %s does not match cert %s"
            % (path, first + 1, port + 5, other_key, cert)]
    t.eq(len(err), len(want), "one line per finding, nothing else")
    for w in want:
        t.check(any(ln.startswith(w) for ln in err), "reported: %s" % w[len(path):], err)
    rc2, out = start(p, path)
    t.eq(rc2, 1, "start-up: exit 1")
    t.eq(sorted(findings(out, path)), sorted(findings(err, path)),
         "start-up logs the same findings")
    warn = [ln for ln in out if "mode 0666" in ln]
    t.check(warn and warn[0].startswith("pcod: warn: %s:%d: control: mode 0666"
                                        % (path, ctl_line)),
            "at start the mode is a warning line", warn)
    # a warning alone does not stop anything
    path, first = conf_with(p, "warn-only", [], conf={"control": '"pcod.sock" mode 0777'})
    rc, err = check(p, path)
    t.check(rc == 0 and len(err) == 2 and ": warning: control: mode 0777" in err[0],
            "a control mode wider than 0660 alone: warning, exit 0", err)


@T.test
def low_port_without_capability(t):
    """No capability in the unit: a port below 1024 is pointed at the drop-in."""
    p = Pcod(start=False)
    path, first = conf_with(p, "low", ["listen tcp 127.0.0.1:999"])
    if os.getuid() != 0:
        rc, err = check(p, path)
        t.check(rc == 0 and any("%s:%d: warning: listen: tcp 127.0.0.1:999: a port "
                                "below 1024 needs CAP_NET_BIND_SERVICE" % (path, first)
                                in ln for ln in err), "unprivileged: a warning", err)
        return
    rc, err = check(p, path)
    t.check(rc == 0 and err == ["%s: configuration OK" % path],
            "root may bind it: no warning", err)
    os.chmod(p.dir, 0o755)
    os.chmod(path, 0o644)

    def as_nobody():
        os.setgid(65534)
        os.setuid(65534)
    rc, err = check(p, path, preexec_fn=as_nobody)
    t.check(rc == 0 and len(err) == 2 and err[0].startswith(
        "%s:%d: warning: listen: tcp 127.0.0.1:999: a port below 1024 needs "
        "CAP_NET_BIND_SERVICE, which this process lacks" % (path, first)),
        "as pcod's user without the capability: a warning at the line, exit 0", err)
    path, first = conf_with(p, "high", ["listen tcp 127.0.0.1:1024"])
    os.chmod(path, 0o644)
    rc, err = check(p, path, preexec_fn=as_nobody)
    t.check(rc == 0 and err == ["%s: configuration OK" % path],
            "port 1024 needs nothing", err)


@T.test
def reload_refuses_conflicts(t):
    p = Pcod()
    good = open(p.conf_path).read()
    with open(p.conf_path, "a") as f:
        f.write("listen tcp [::]:%d\n" % p.tcp_port)
    p.send_signal(signal.SIGHUP)
    t.check(pt.wait_for(lambda: "reload refused" in p.log(), timeout=5),
            "SIGHUP with a listen conflict: reload refused", p.log()[-500:])
    t.check(re.search(r"pcod: error: %s:\d+: listen: tcp \[::\]:%d conflicts"
                      % (re.escape(p.conf_path), p.tcp_port), p.log()),
            "with the same file:line message", p.log()[-500:])
    with open(p.conf_path, "w") as f:
        f.write(good)
    with p.tcp() as c:
        t.eq(c.exchange(pt.sia(1, "1234", "Nri1/BA01")).token, "ACK",
             "the running configuration serves on")


if __name__ == "__main__":
    T.run()
