"""What people see when PostgreSQL cannot be reached: a 503 page, never a stack trace.

Django turns an exception raised anywhere in the request (a view, or a middleware such as the
session lookup) into a response with the ``handler500`` view, one middleware layer at a time,
while the exception is still being handled. ``server_error`` is that view: when the exception is
a lost or refused database connection it answers 503 "Hệ thống tạm gián đoạn" with
``Retry-After``; anything else gets Django's ordinary 500 page.

The page is rendered without a request (no context processors), so drawing it touches no
database. The connection itself heals on its own: ``CONN_HEALTH_CHECKS`` makes the next request
replace a dead persistent connection (settings).
"""

from __future__ import annotations

import sys

import psycopg
from django import db
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

# Seconds after which a browser or client may try again.
RETRY_AFTER_SECONDS = 60

# SQLSTATEs that mean "the server is going away or cannot take us now": admin or crash
# shutdown, starting up, too many connections. Class 08 (connection exceptions) too.
OUTAGE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}


def is_database_outage(exc: BaseException | None) -> bool:
    """True when ``exc`` (or an exception it was raised from) means the database is unreachable
    or the connection was lost. psycopg's SQLSTATE decides when there is one: none (the client
    could not talk to the server), class 08 or the codes above. Other operational errors — a
    deadlock, a serialization failure, a statement or lock timeout, a full disk — are failures of
    this request, not an outage: they get the ordinary 500 page, never "try again in a minute,
    nothing was lost". Django's own connection errors without a psycopg cause ("connection
    already closed") count as an outage; constraint violations and bad SQL are bugs."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, psycopg.Error):
            if not isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
                return False
            state = exc.sqlstate
            return state is None or state.startswith("08") or state in OUTAGE_SQLSTATES
        if isinstance(exc, (db.OperationalError, db.InterfaceError)) and not _psycopg_cause(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _psycopg_cause(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc.__context__
    return isinstance(cause, psycopg.Error)


def outage_response() -> HttpResponse:
    """The 503 page (Vietnamese through i18n), drawn without touching the database."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: 503 for a database outage, Django's plain 500 page otherwise."""
    if is_database_outage(sys.exc_info()[1]):
        return outage_response()
    return defaults.server_error(request, template_name)
