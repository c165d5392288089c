"""pgcluster - the PostgreSQL side of pcod's integration tests (issue 14).

`make check-pg` starts one throw-away cluster (tests/pg/cluster.sh) and runs
the integration tests with PCOD_TEST_STORE=pg and PCOD_TEST_PG_URI set to
its URI (postgresql://USER@127.0.0.1:PORT/pcod).  On that pass every pcod
the harness starts gets a database of its own on the cluster (Database:
CREATE DATABASE t_<random>, dropped when the test ends), and the tests read
and write it through psql, with the same results sqlite3 gives them.
Standard library and the psql client only.
"""

import os
import re
import secrets
import shutil
import subprocess
import urllib.parse

FS, RS, NUL = "\x1f", "\x1e", "\x1d"	# psql's field, record and NULL marks

INT_TYPES = {"smallint", "integer", "bigint", "oid"}
FLOAT_TYPES = {"real", "double precision"}


def enabled():
    """True on the PostgreSQL pass."""
    return os.environ.get("PCOD_TEST_STORE") == "pg"


def psql_path():
    return shutil.which("psql") or "/usr/bin/psql"


def admin_uri():
    uri = os.environ.get("PCOD_TEST_PG_URI")
    if not uri:
        raise RuntimeError("PCOD_TEST_STORE=pg needs PCOD_TEST_PG_URI")
    return uri


def with_dbname(uri, name):
    """uri with its database name replaced by name."""
    u = urllib.parse.urlsplit(uri)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def literal(v):
    """A Python value as an SQL literal (as sqlite3 would bind it)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "'\\x%s'::bytea" % bytes(v).hex()
    s = str(v)
    if "\0" in s:
        raise ValueError("NUL in a text parameter")
    return "'" + s.replace("'", "''") + "'"


def bind(query, params):
    """query with each ? outside quotes replaced by the next parameter."""
    out, it, quote = [], iter(params), None
    for ch in query:
        if quote:
            quote = None if ch == quote else quote
            out.append(ch)
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            try:
                out.append(literal(next(it)))
            except StopIteration:
                raise ValueError("fewer parameters than ? in %r" % query)
        else:
            out.append(ch)
    if next(it, StopIteration) is not StopIteration:
        raise ValueError("more parameters than ? in %r" % query)
    return "".join(out)


def convert(text, typ):
    """One psql field as sqlite3 would return it."""
    if text == NUL:
        return None
    if typ in INT_TYPES:
        return int(text)
    if typ in FLOAT_TYPES:
        return float(text)
    if typ == "numeric":
        return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
    if typ == "boolean":
        return 1 if text == "t" else 0
    if typ == "bytea":
        return bytes.fromhex(text[2:])
    return text


def resync(query):
    """After an INSERT: the table's id sequence moved past its largest id,
    so that rows written with explicit ids (as the tests' fixtures do) do
    not collide with pcod's next ones, as SQLite's rowids never do."""
    m = re.match(r"\s*INSERT\s+INTO\s+(\w+)", query, re.I)
    if not m:
        return ""
    return ("DO $$ DECLARE r record; BEGIN FOR r IN SELECT column_name c,"
            " pg_get_serial_sequence(table_name, column_name) s"
            " FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = '%s' LOOP IF r.s IS NOT NULL THEN EXECUTE"
            " format('SELECT setval(%%L, coalesce((SELECT max(%%I) FROM %%I), 0) + 1,"
            " false)', r.s, r.c, '%s'); END IF; END LOOP; END $$;\n"
            % (m.group(1).lower(), m.group(1).lower()))


class SqlError(Exception):
    """psql refused the statement (its message, ERROR: ... included)."""


class Database:
    """A database of its own on the shared cluster."""

    def __init__(self):
        self.name = "t_" + secrets.token_hex(6)
        self.admin = admin_uri()
        self.uri = with_dbname(self.admin, self.name)
        run_psql(self.admin, "CREATE DATABASE %s" % self.name)

    def drop(self):
        if self.name:
            run_psql(self.admin, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)
            self.name = None

    def sql(self, query, *params):
        """Run one statement; its rows as a list of tuples."""
        q = bind(query, params).rstrip().rstrip(";")
        out = run_psql(self.uri, q + "\n\\gdesc\n" + q + ";\n" + resync(q))
        desc, _, rows = out.partition("\n")
        if not desc.strip() or desc.startswith("The command has no result"):
            return []
        types = [d.split(FS, 1)[1] for d in desc.split(RS)]
        if rows.endswith("\n"):
            rows = rows[:-1]
        if rows == "":
            return []
        return [tuple(convert(f, types[i]) for i, f in enumerate(r.split(FS)))
                for r in rows.split(RS)]

    def sql_many(self, query, rows):
        """Run query once for each parameter tuple, in one transaction."""
        parts = ["BEGIN;"]
        parts.extend(bind(query, r).rstrip().rstrip(";") + ";" for r in rows)
        parts.append(resync(query))
        parts.append("COMMIT;")
        run_psql(self.uri, "\n".join(parts) + "\n")

    def write_lock(self):
        """A session that holds every table of the database in EXCLUSIVE
        mode (reads pass, writes wait), as SQLite's BEGIN IMMEDIATE does for
        the file; release() ends it."""
        return WriteLock(self.uri)


def _cmd(uri):
    return [psql_path(), "-X", "-At", "-q", "-F", FS, "-R", RS, "-P", "null=" + NUL,
            "-v", "ON_ERROR_STOP=1", "-d", uri]


def run_psql(uri, script, timeout=60):
    """Feed script to psql; its stdout, or SqlError with its stderr."""
    p = subprocess.run(_cmd(uri), input=script.encode(), capture_output=True,
                       timeout=timeout)
    if p.returncode != 0:
        raise SqlError(p.stderr.decode("utf-8", "replace").strip())
    return p.stdout.decode("utf-8")


class WriteLock:
    """A psql session holding a lock until release()."""

    def __init__(self, uri):
        self.proc = subprocess.Popen(_cmd(uri), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.proc.stdin.write(
            b"BEGIN;\n"
            b"DO $$ DECLARE r record; BEGIN FOR r IN SELECT tablename FROM pg_tables "
            b"WHERE schemaname = current_schema() LOOP EXECUTE format("
            b"'LOCK TABLE %I IN EXCLUSIVE MODE', r.tablename); END LOOP; END $$;\n"
            b"\\echo locked\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if b"locked" not in line:
            err = self.proc.stderr.read().decode("utf-8", "replace")
            self.proc.kill()
            raise SqlError("cannot take the write lock: " + err)

    def release(self):
        if self.proc:
            try:
                self.proc.stdin.write(b"ROLLBACK;\n")
                self.proc.stdin.close()
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
            self.proc = None
