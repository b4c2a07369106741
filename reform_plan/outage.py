"""What people see when PostgreSQL cannot be reached: a 503 page, never a stack trace.

Django turns an exception raised anywhere in the request (a view, or a middleware such as the
session lookup) into a response with the ``handler500`` view, one middleware layer at a time,
while the exception is still being handled. ``server_error`` is that view: when the exception is
a lost or refused database connection it answers 503 "Hệ thống tạm gián đoạn" with
``Retry-After``; anything else gets the site's 500 page "Đã xảy ra lỗi" (``500.html``).

Both pages are rendered without a request (no context processors, no user), so drawing them
touches no database and cannot fail on what made the request fail. Should ``500.html`` itself
fail to render (a broken template or static manifest), a page built here without templates is
sent instead: a server error never ends in the server's bare default page. The connection itself heals on its own: ``CONN_HEALTH_CHECKS`` makes the next request
replace a dead persistent connection (settings).
"""

from __future__ import annotations

import sys

import psycopg
from django import db
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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


def plain_error_page() -> str:
    """The 500 page without templates, for when ``500.html`` cannot be drawn."""
    title = escape(_("Đã xảy ra lỗi"))
    site = escape(_("Chỉ số CCHC An Giang"))
    text = escape(
        _(
            "Máy chủ gặp lỗi khi xử lý yêu cầu này. Hãy tải lại trang hoặc thử lại sau ít phút; "
            "nếu lỗi lặp lại, hãy báo cho quản trị hệ thống tại Sở Nội vụ tỉnh An Giang."
        )
    )
    home = escape(_("Về trang chủ"))
    return (
        f'<!doctype html><html lang="{escape(get_language() or "vi")}"><head>'
        f'<meta charset="utf-8"><title>{title} · {site}</title></head>'
        f'<body><main><p>{site}</p><h1>{title}</h1><p>{text}</p><p><a href="/">{home}</a></p>'
        "</main></body></html>"
    )


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: 503 for a database outage, the site's 500 page otherwise."""
    if is_database_outage(sys.exc_info()[1]):
        return outage_response()
    try:
        page = render_to_string(template_name)
    except Exception:  # noqa: BLE001 — the error page must not fail in turn
        page = plain_error_page()
    return HttpResponseServerError(page)
