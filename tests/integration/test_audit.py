#!/usr/bin/python3
"""The audit log's hash chain and the database file's mode, on the real daemon.

Written as the attack: rewrite an audit row with the sqlite3 CLI (refused by
the schema), then behind pcod's back with the triggers dropped, and see
audit.verify name the row.  The chain is recomputed here from its
description in pcod-control(7), independently of pcod's C code.
"""

import hashlib
import os
import select
import signal
import sqlite3
import stat
import subprocess
import time

import pcotest as pt
import pgcluster
from pcotest import Pcod

T = pt.Runner(limit=110)

SQLITE3 = "/usr/bin/sqlite3"
SQL_DIR = os.path.join(os.environ.get("TESTDATA", "tests"), "..", "sql")
FIELDS = "id, at_ms, actor, action, object, object_id, reason, details, hash"


def ns(b):
    """One field of the chain encoding: a netstring, NULL as '-'."""
    if b is None:
        return b"-"
    if isinstance(b, int):
        b = str(b).encode()
    return str(len(b)).encode() + b":" + b + b","


def chain_hash(prev, row):
    """The hash of row (id .. details, as bytes/ints) after hash text prev."""
    m = ns(b"pcod-audit-v1") + ns(prev)
    for v in row:
        m += ns(v)
    return hashlib.sha256(m).hexdigest()


def as_bytes(row):
    return tuple(v.encode() if isinstance(v, str) else v for v in row)


def rows(p):
    """Every audit row as a tuple of FIELDS, bytes for text."""
    return [as_bytes(r) for r in p.sql("SELECT %s FROM audit ORDER BY id" % FIELDS)]


def cli(p, sql):
    """Run sql on pcod's database from outside: the sqlite3 CLI on the file,
    psql on PostgreSQL: (rc, stderr)."""
    if pt.STORE == "pg":
        try:
            p.sql(sql)
            return 0, ""
        except pgcluster.SqlError as e:
            return 1, str(e)
    r = subprocess.run([SQLITE3, "-cmd", ".timeout 5000", p.db_path, sql],
                       capture_output=True, timeout=20)
    return r.returncode, r.stderr.decode("utf-8", "replace")


# SQL of the attacks where the dialects differ.
if pt.STORE == "pg":
    UPSERT = "INSERT INTO audit (%s) VALUES (%d, 1, 'x', 'account.add', 'account'," \
        " '1000', 'forged', NULL, '%s') ON CONFLICT (id) DO UPDATE SET reason = 'forged'"
    UNGUARD = "ALTER TABLE audit DISABLE TRIGGER USER"
else:
    UPSERT = "INSERT OR REPLACE INTO audit (%s) VALUES (%d, 1, 'x', 'account.add'," \
        " 'account', '1000', 'forged', NULL, '%s')"
    UNGUARD = "DROP TRIGGER audit_no_update"


def some_rows(t, p, n=5):
    for i in range(n):
        p.add_account("%04d" % (1000 + i), name="site %d" % i)
    t.check(len(rows(p)) >= n, "account.add wrote %d audit rows" % n)


def verify(p):
    return p.call("audit.verify")


@T.test
def chain_holds_and_matches_the_spec(t):
    p = Pcod()
    some_rows(t, p)
    v = verify(p)
    t.eq((v["intact"], v["first_bad"]), (True, None), "audit.verify: intact")
    rs = rows(p)
    t.eq(v["rows"], len(rs), "audit.verify counts every row")
    prev = b""
    ok = True
    for r in rs:
        want = chain_hash(prev, r[:8])
        ok = ok and r[8] is not None and r[8].decode() == want
        prev = r[8] or b""
    t.check(ok, "every stored hash matches the chain as documented")
    t.eq((v["last_id"], v["last_hash"]), (rs[-1][0], rs[-1][8].decode()),
         "audit.verify names the head of the chain")
    rc, out, err = p.pcoctl("audit", "verify")
    t.check(rc == 0 and "intact" in out, "pcoctl audit verify: exit 0, intact",
            (rc, out, err))


@T.test
def sqlite3_cannot_rewrite_a_row(t):
    p = Pcod()
    some_rows(t, p)
    before = rows(p)
    victim = before[1][0]
    rc, err = cli(p, "UPDATE audit SET reason = 'nothing happened'"
                     " WHERE id = %d" % victim)
    t.check(rc != 0 and "append-only" in err, "UPDATE is refused by trigger",
            (rc, err))
    rc, err = cli(p, "DELETE FROM audit WHERE id = %d" % victim)
    t.check(rc != 0 and "append-only" in err, "DELETE is refused by trigger",
            (rc, err))
    rc, err = cli(p, UPSERT % (FIELDS, victim, "0" * 64))
    t.check(rc != 0 and "append-only" in err,
            "an upsert on an existing id is refused", (rc, err))
    rc, err = cli(p, "INSERT INTO audit (at_ms, actor, action) VALUES"
                     " (1, 'x', 'forged')")
    t.check(rc != 0 and "append-only" in err,
            "an INSERT without its id and hash is refused", (rc, err))
    rc, err = cli(p, "UPDATE audit SET hash = NULL WHERE id = %d" % victim)
    t.check(rc != 0, "a hash cannot be taken away", (rc, err))
    t.eq(rows(p), before, "every row is as it was")
    t.check(verify(p)["intact"], "audit.verify: still intact")


@T.test
def file_level_rewrite_is_found(t):
    p = Pcod()
    some_rows(t, p)
    victim = rows(p)[2][0]
    rc, err = cli(p, UNGUARD)
    t.check(rc == 0, "the schema's guard taken away", err)
    rc, err = cli(p, "UPDATE audit SET reason ="
                     " 'nothing happened' WHERE id = %d" % victim)
    t.eq(rc, 0, "with the trigger dropped, the row can be edited")
    v = verify(p)
    t.eq((v["intact"], v["first_bad"]), (False, victim),
         "audit.verify fails, naming the edited row")
    rc, out, err = p.pcoctl("audit", "verify")
    t.check(rc == 1 and ("row %d" % victim) in out,
            "pcoctl audit verify: exit 1 naming the row", (rc, out, err))
    # Fixing that row's own hash moves the break to the next row.
    rs = rows(p)
    i = [r[0] for r in rs].index(victim)
    h = chain_hash(rs[i - 1][8], rs[i][:8])
    cli(p, "UPDATE audit SET hash = '%s' WHERE id = %d" % (h, victim))
    v = verify(p)
    t.eq(v["first_bad"], rs[i + 1][0],
         "re-hashing the edited row alone breaks the next one")
    # What the chain cannot see: the whole tail rewritten (pcod.8 says so).
    prev = h.encode()
    for r in rs[i + 1:]:
        h = chain_hash(prev, r[:8])
        cli(p, "UPDATE audit SET hash = '%s' WHERE id = %d" % (h, r[0]))
        prev = h.encode()
    v = verify(p)
    t.check(v["intact"] and v["last_hash"] != rs[-1][8].decode(),
            "a rewrite that recomputes the chain passes, but changes the head"
            " hash a copy shipped elsewhere holds", v)


def append_rows(p, n):
    """Append n chained rows behind pcod's back (the schema allows appends)."""
    i, prev = as_bytes(p.sql("SELECT id, hash FROM audit ORDER BY id DESC"
                             " LIMIT 1")[0])
    rs = []
    for k in range(n):
        i += 1
        r = (i, 1700000000000 + k, b"olga", b"alarm.comment", b"alarm", b"7",
             b"a note", b'{"n":1}')
        prev = chain_hash(prev, r).encode()
        rs.append(r + (prev,))
    p.sql_many("INSERT INTO audit (%s) VALUES (?,?,?,?,?,?,?,?,?)" % FIELDS,
               [tuple(v.decode() if isinstance(v, bytes) else v for v in r)
                for r in rs])


@T.test
def verify_keeps_the_loop_free(t):
    p = Pcod()
    p.add_account("1234")
    append_rows(p, 100000)
    a, b = pt.Console(p), pt.Console(p)
    a.sock.sendall(b'{"id": 1, "cmd": "audit.verify"}\n')
    time.sleep(0.05)
    r = b.req("status")
    pending = not select.select([a.sock], [], [], 0)[0]
    t.check(r.get("ok") and pending,
            "status is answered while audit.verify is still running", r)
    v = a._line(60)
    t.check(v.get("ok") and v["result"]["intact"] and
            v["result"]["rows"] == 100001, "audit.verify checks every row", v)
    a.close()
    b.close()


@T.test
def verify_needs_a_supervisor(t):
    p = Pcod(conf={"control": '"pcod.sock" mode 0666'})
    p.call("operator.add", login="op1", role="operator",
           password="operator-pass-1")
    c = pt.Console(p)
    r = c.req("auth.login", {"login": "op1", "password": "operator-pass-1"})
    t.check(r.get("ok"), "op1 logs in", r)
    r = c.req("audit.verify")
    t.eq((r.get("error") or {}).get("code"), "forbidden",
         "an operator may not run audit.verify")
    c.close()


def schema4_db(path):
    """A database at schema 4 (before the chain) with three audit rows."""
    sql = ""
    for f in sorted(os.listdir(SQL_DIR)):
        if f.endswith(".sql") and f[:3] <= "004":
            with open(os.path.join(SQL_DIR, f)) as fh:
                sql += fh.read() + "\n"
    db = sqlite3.connect(path)
    db.executescript(sql)
    for i in range(1, 4):
        db.execute("INSERT INTO audit (at_ms, actor, action, object,"
                   " object_id, details) VALUES (?, 'uid:0', 'account.add',"
                   " 'account', ?, ?)", (1700000000000 + i, "%04d" % i,
                                         '{"n":%d}' % i if i != 2 else None))
    db.execute("PRAGMA user_version=4")
    db.commit()
    db.close()


@T.test
def old_rows_are_chained_at_first_start(t):
    t.skip_on_pg("an SQLite file at schema 4, made before the chain existed")
    p = Pcod(start=False)
    schema4_db(p.db_path)
    p.start()
    t.check("chained 3 row(s)" in p.log(), "pcod says it chained the old rows")
    v = verify(p)
    t.eq((v["intact"], v["rows"]), (True, 3), "the old rows form an intact chain")
    p.add_account("1234")
    t.eq(verify(p)["rows"], 4, "new rows chain on")
    t.eq(p.stop(), 0, "clean stop")
    p.start()
    t.check(verify(p)["intact"], "intact after a restart")


@T.test
def audit_syslog_ships_each_row(t):
    p = Pcod(conf={"audit-syslog": "yes"})
    p.add_account("1234", name="a \"quoted\"\nname")
    rs = rows(p)
    last = rs[-1]
    want = "audit id=%d hash=%s " % (last[0], last[8].decode())
    t.check(pt.wait_for(lambda: want in p.log()),
            "one log line per committed audit row, with its hash")
    line = [ln for ln in p.log().splitlines() if want in ln][0]
    t.check(line.startswith("pcod: notice: ") and "action=account.add" in line,
            "the line names the action", line)
    t.eq(sum(1 for ln in p.log().splitlines() if "audit id=" in ln), len(rs),
         "exactly one line per row")
    q = Pcod(conf={"log-level": "warn"})
    q.add_account("1234")
    t.check("audit id=" not in q.log(), "off by default")
    q.write_conf(conf={"log-level": "warn", "audit-syslog": "yes"})
    q.send_signal(signal.SIGHUP)
    time.sleep(0.5)     # at log-level warn nothing says the reload is done
    q.add_account("5678")
    t.check(pt.wait_for(lambda: "action=account.add object=account"
                        " object_id=5678" in q.log()),
            "SIGHUP turns it on, at log-level warn too, from the next row on")
    t.check("object_id=1234" not in q.log(), "older rows are not replayed")


@T.test
def database_file_is_0600(t):
    t.skip_on_pg("the SQLite file's mode")
    old = os.umask(0o022)
    try:
        p = Pcod()
    finally:
        os.umask(old)
    p.add_account("1234")
    for sfx in ("", "-wal", "-shm"):
        mode = stat.S_IMODE(os.stat(p.db_path + sfx).st_mode)
        t.eq(oct(mode), oct(0o600), "pcod.db%s is 0600 under umask 022" % sfx)
    t.check("chmod 600" not in p.log(), "no warning for a 0600 file")
    t.eq(p.stop(), 0, "clean stop")
    os.chmod(p.db_path, 0o644)
    p.start()
    t.check(pt.wait_for(lambda: "chmod 600" in p.log()),
            "pcod warns at start when the database is readable by others")


T.run()
