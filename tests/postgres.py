"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, listening on a
Unix socket in that folder only (no TCP port), run as the postgres user when the tests run as root
(PostgreSQL refuses root), stopped and removed at the end. Debian's postgresql package provides
the binaries (.ci/run installs it)."""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or ([shutil.which("initdb")] if shutil.which("initdb") else [])
    if not found:
        raise RuntimeError("PostgreSQL is not installed (initdb not found): apt-get install postgresql (.ci/run does)")
    return Path(found[-1]).parent


@contextlib.contextmanager
def throwaway_cluster():
    """Yields a postgresql:// URL of an empty database on a fresh cluster."""
    bin_dir = _binaries()
    as_root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="insolegen-pg-"))
    data, sockets = folder / "data", folder / "run"
    sockets.mkdir()
    if as_root:
        owner = pwd.getpwnam("postgres")
        for path in (folder, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    user = "postgres" if as_root else pwd.getpwuid(os.geteuid()).pw_name

    def run(*args, timeout=60):
        cmd = [str(bin_dir / args[0]), *map(str, args[1:])]
        if as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)

    try:
        run("initdb", "-D", data, "-A", "trust", "-U", user, "--no-sync", "-E", "UTF8")
        options = f"-c listen_addresses='' -k {sockets} -c fsync=off"
        run("pg_ctl", "-D", data, "-o", options, "-l", folder / "log", "-w", "-t", "30", "start")
        try:
            run("createdb", "-h", sockets, "-U", user, "insolegen")
            yield f"postgresql://{user}@/insolegen?host={sockets}"
        finally:
            run("pg_ctl", "-D", data, "-m", "immediate", "-w", "-t", "30", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
