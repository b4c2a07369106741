"""Backing up and restoring the whole database with PostgreSQL's own tools.

``pg_dump`` writes the custom format (compressed, restorable table by table); ``pg_restore``
puts it back with ``--clean --if-exists`` (objects of the dump are dropped and recreated) in a
single transaction, so a restore that fails half-way leaves the database as it was. The
connection comes from ``settings.DATABASES["default"]``.

The tools must be at least as new as the server (``pg_dump`` refuses an older one). They are
looked for in ``PG_BIN_DIR`` (when set), then on ``PATH``, then in the ``pgserver`` package
that provides the embedded PostgreSQL; the first new enough is used.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection


class ToolError(Exception):
    """A PostgreSQL tool is missing or failed; ``str()`` says which and why."""


def _candidates(name: str) -> list[str]:
    found = []
    if os.environ.get("PG_BIN_DIR"):
        found.append(str(Path(os.environ["PG_BIN_DIR"]) / name))
    if shutil.which(name):
        found.append(shutil.which(name))
    try:
        import pgserver
    except ImportError:
        pass
    else:
        found.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name))
    return [path for path in found if os.access(path, os.X_OK)]


def major_version(program: str) -> int:
    """16 for a program that prints 'pg_dump (PostgreSQL) 16.2'."""
    out = subprocess.run([program, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"\) (\d+)", out)
    return int(match.group(1)) if match else 0


def pg_program(name: str, at_least: int = 0) -> str:
    """The path of PostgreSQL's ``name`` (pg_dump, pg_restore, pg_ctl) of major version
    ``at_least`` or newer."""
    for path in _candidates(name):
        if major_version(path) >= at_least:
            return path
    raise ToolError(
        f"Không tìm thấy {name} phiên bản {at_least} trở lên (PG_BIN_DIR, PATH, pgserver)."
    )


def server_major_version() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def _connection_args() -> tuple[list[str], dict]:
    """Command-line options and environment that reach the configured database."""
    db = settings.DATABASES["default"]
    options = db.get("OPTIONS", {})
    # A URL with ?host=/socket/dir (the embedded server) puts the host in OPTIONS.
    host = db.get("HOST") or options.get("host")
    port = db.get("PORT") or options.get("port")
    args = []
    if host:
        args += ["--host", str(host)]
    if port:
        args += ["--port", str(port)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    args += ["--dbname", db["NAME"], "--no-password"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if options.get(key):
            env["PG" + key.upper()] = str(options[key])
    return args, env


def default_backup_path(now: datetime | None = None) -> Path:
    """var/backups/cchc-<database>-YYYYMMDD-HHMMSS.dump under the project."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    name = settings.DATABASES["default"]["NAME"]
    return Path(settings.BASE_DIR) / "var" / "backups" / f"cchc-{name}-{stamp}.dump"


def _run(cmd: list[str], env: dict) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise ToolError(f"{Path(cmd[0]).name} thất bại: {result.stderr.strip()}")


def backup(path: Path) -> Path:
    """Dump the whole database into ``path`` (custom format); return the path written.
    The file appears only when the dump is complete (written beside it, then renamed)."""
    program = pg_program("pg_dump", server_major_version())
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    args, env = _connection_args()
    _run([program, "--format=custom", "--file", str(partial), *args], env)
    partial.replace(path)
    return path


def restore(path: Path) -> None:
    """Replace the database's content with the dump in ``path``, all or nothing. Other
    connections to the database (a running app) must be closed first, or the restore waits
    for their locks."""
    if not path.is_file():
        raise ToolError(f"Không có tệp sao lưu {path}.")
    program = pg_program("pg_restore", server_major_version())
    connection.close()  # our own connection would hold locks on the tables being dropped
    args, env = _connection_args()
    cmd = [program, "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run([*cmd, "--exit-on-error", *args, str(path)], env)
