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
    The file appears only when the dump is complete (written beside it, then renamed). The
    shared results cache is dumped empty: it is rebuilt on demand, and its PDFs are large."""
    program = pg_program("pg_dump", server_major_version())
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    args, env = _connection_args()
    skip = "--exclude-table-data=indicators_results_cache"
    _run([program, "--format=custom", skip, "--file", str(partial), *args], env)
    partial.replace(path)
    return path


def restore(path: Path) -> None:
    """Replace the database's content with the dump in ``path``, all or nothing. Stop the app
    first (README): a request in flight during the restore may fail or wait.

    The dump puts the data-version sequence back where it was at backup time, so the numbers
    handed out since would be handed out again, and a running worker could serve a page it
    cached before the restore under a reused number. So the sequence is moved past every number
    used before the restore, and the version set to a fresh one (``indicators.data_version``)."""
    if not path.is_file():
        raise ToolError(f"Không có tệp sao lưu {path}.")
    program = pg_program("pg_restore", server_major_version())
    used = _last_data_version()
    connection.close()  # our own connection would hold locks on the tables being dropped
    args, env = _connection_args()
    cmd = [program, "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run([*cmd, "--exit-on-error", *args, str(path)], env)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('indicators_data_version_seq') IS NOT NULL")
        if not cursor.fetchone()[0]:  # a dump from before the data version existed
            return
        cursor.execute(
            "SELECT setval('indicators_data_version_seq', "
            "greatest(%s, (SELECT last_value FROM indicators_data_version_seq)))",
            [used],
        )
        cursor.execute(
            "UPDATE indicators_data_version SET version = nextval('indicators_data_version_seq'),"
            " changed_at = now() WHERE id = 1"
        )


def _last_data_version() -> int:
    """The last number the data-version sequence handed out (1 before any migration)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('indicators_data_version_seq') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return 1
        cursor.execute("SELECT last_value FROM indicators_data_version_seq")
        return cursor.fetchone()[0]
