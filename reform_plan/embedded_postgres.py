"""An embedded PostgreSQL server for machines that have nothing but Python.

When ``DATABASE_URL`` is not set, settings call :func:`database_url` which starts (or reuses) a
PostgreSQL server from the ``pgserver`` package with its data under ``var/``. The server listens
on a Unix socket only, so it never clashes with another PostgreSQL on the machine.
"""

import warnings
from pathlib import Path


def database_url(pgdata: Path, database: str = "postgres") -> str:
    """Start the embedded server for ``pgdata`` if needed and return a URL to ``database``."""
    pgdata.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import pgserver  # imported lazily: production never needs it

        # cleanup_mode=None keeps the server running after this process exits, so that
        # `manage.py` commands run one after another share one server and start fast.
        server = pgserver.get_server(pgdata, cleanup_mode=None)
    return server.get_uri(database)
