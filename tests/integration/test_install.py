#!/usr/bin/python3
"""Issue 12 (4a): make install never overwrites a configuration.  Into a
DESTDIR: the first install puts the example at $(sysconfdir)/pcod.conf; an
edited one survives a second install, which puts the new example beside it
as pcod.conf.dist and says so; uninstall keeps the edited file (and removes
an unedited one, so distcheck's uninstall leaves nothing behind)."""

import os
import shutil
import subprocess
import tempfile

import pcotest as pt

T = pt.Runner(limit=240)

BUILDDIR = os.path.dirname(os.environ.get("PCOD", "")) or "."
EXAMPLE = os.path.join(os.environ.get("TESTDATA", "tests"), "..", "etc", "pcod.conf")


def make(target, destdir):
    """make TARGET DESTDIR=destdir in the build directory: (rc, output)."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    r = subprocess.run(["make", "-s", target, "DESTDIR=" + destdir], cwd=BUILDDIR,
                       env=env, capture_output=True, timeout=180)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


def find(root, name):
    for d, _, files in os.walk(root):
        if name in files:
            return os.path.join(d, name)
    return None


def read(path):
    with open(path, "rb") as f:
        return f.read()


@T.test
def install_keeps_edited_config(t):
    dest = tempfile.mkdtemp(prefix="pcotest-install.")
    try:
        rc, out = make("install", dest)
        t.require(rc == 0, "make install into an empty DESTDIR", out[-800:])
        conf = find(dest, "pcod.conf")
        t.require(conf is not None, "pcod.conf installed")
        example = read(EXAMPLE)
        t.eq(read(conf), example, "the first install puts the example in place")
        t.check(not os.path.exists(conf + ".dist"), "no pcod.conf.dist when there was none")
        t.check(find(dest, "pcod") and find(dest, "pcod.service"),
                "the daemon and the unit are installed too")

        rc, out = make("install", dest)
        t.check(rc == 0 and not os.path.exists(conf + ".dist"),
                "installing over an unedited example changes nothing", out[-400:])

        edited = example + b"\n# edited by the centre's IT\nlog-level warn\n"
        with open(conf, "wb") as f:
            f.write(edited)
        os.chmod(conf, 0o640)
        rc, out = make("install", dest)
        t.require(rc == 0, "make install again over an edited configuration", out[-800:])
        t.eq(read(conf), edited, "the edited pcod.conf is kept byte for byte")
        t.eq(os.stat(conf).st_mode & 0o777, 0o640, "and its mode")
        t.eq(read(conf + ".dist"), example, "the new example is pcod.conf.dist beside it")
        t.check("exists and is kept" in out and "pcod.conf.dist" in out,
                "make install says so", out[-400:])

        rc, out = make("install", dest)
        t.check(rc == 0 and read(conf) == edited, "a third install keeps it too")

        # The risk tables are the centre's too (pcod.conf(5), risk-tables).
        tables = os.path.join(os.path.dirname(conf), "risk", "tables.json")
        t.require(os.path.exists(tables), "risk/tables.json installed beside it")
        mine = read(tables).replace(b"{", b"{\"_note\": \"ours\", ", 1)
        with open(tables, "wb") as f:
            f.write(mine)
        rc, out = make("install", dest)
        t.check(rc == 0 and read(tables) == mine and
                os.path.exists(tables + ".dist"),
                "an edited risk/tables.json is kept, the example beside it",
                out[-400:])

        rc, out = make("uninstall", dest)
        t.require(rc == 0, "make uninstall", out[-800:])
        t.eq(read(conf), edited, "uninstall keeps the edited pcod.conf")
        t.check(not os.path.exists(conf + ".dist"), "and removes pcod.conf.dist")
        t.check("differs from the example: kept" in out, "and says so", out[-400:])
        left = sorted(os.path.relpath(os.path.join(d, f), dest)
                      for d, _, files in os.walk(dest) for f in files)
        t.eq(left, sorted([os.path.relpath(conf, dest),
                           os.path.relpath(tables, dest)]),
             "nothing else is left but the two edited files")
    finally:
        shutil.rmtree(dest, ignore_errors=True)


@T.test
def uninstall_removes_unedited(t):
    dest = tempfile.mkdtemp(prefix="pcotest-install.")
    try:
        rc, out = make("install", dest)
        t.require(rc == 0, "make install", out[-800:])
        conf = find(dest, "pcod.conf")
        rc, out = make("uninstall", dest)
        t.check(rc == 0 and not os.path.exists(conf),
                "uninstall removes an unedited example (distcheck stays clean)")
        left = [f for _, _, files in os.walk(dest) for f in files]
        t.eq(left, [], "no file left behind")
    finally:
        shutil.rmtree(dest, ignore_errors=True)


if __name__ == "__main__":
    T.run()
