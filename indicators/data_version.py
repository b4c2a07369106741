"""Cached dashboard, completeness and report data and page bodies, invalidated by a data version.

**The version.** Migration ``indicators.0004_data_version`` keeps one row,
``indicators_data_version``, whose number changes when a transaction that wrote to any table
results are computed from (figures and their history, agencies, periods, plans, focus areas,
indicators, targets) commits: a statement-level trigger notes the transaction, a deferred
constraint trigger takes the next value of a sequence at commit. This holds whoever writes: the
ORM, raw SQL, ``COPY`` (bench/generate.py, imports: COPY fires the INSERT triggers), the admin, a
management command, ``flush`` (TRUNCATE).

**The key.** A cached value is stored under (name, data version, language, arguments). A new
version is a new key, so nothing is ever deleted to invalidate: old entries are simply never
asked for again and age out of the cache (LRU, ``MAX_ENTRIES``).

**Why it is correct.**
- *Read the version first.* ``VersionFirstMiddleware`` reads the version at the start of every
  GET/HEAD request, before the view reads any data (periods, the agency, the default period...).
  Under READ COMMITTED everything the view reads afterwards is at least as new as that version,
  so an entry never holds data *older* than its key; and once a newer version is committed,
  every later request reads the newer number.
- *Rollback.* A transaction that rolls back bumps nothing and its data never existed. Inside a
  writing transaction, cached reads show the state before it until it commits; no view renders
  cached pages inside a writing transaction (they redirect after a POST).
- *Several workers.* Each gunicorn worker has its own in-memory cache (``LocMemCache``), but the
  version lives in PostgreSQL, so a change made through any worker (or outside the app) changes
  the key for all of them on their next request. No cross-process message is needed.
- *Writers* do not wait for each other on the version row: it is updated at commit, so its lock
  lasts only to the end of the commit (no queue behind a long import, no deadlock through it).
- *Restore.* ``restore_db`` moves the sequence past every number handed out before the restore
  (``database_dump.restore``), so a running worker cannot take restored data for a version it
  cached before.

**One query per request.** The version read at the start is kept until ``request_finished``.
Other requests and code outside a request (commands, tests calling functions) read it per call.

**Switch.** ``settings.RESULTS_CACHE`` (env ``RESULTS_CACHE``, on by default) turns caching off;
the test suite turns it off so query-count tests measure the computation, and
``tests/test_data_version.py`` turns it on. Cached values never depend on the user: the page
bodies hold no user, permission or CSRF data, and callers put whatever user-specific filter
applies (e.g. visible agencies) into the key.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import connection
from django.utils.translation import get_language

T = TypeVar("T")

CACHE_ALIAS = "results"
SAFE_METHODS = {"GET", "HEAD"}

_UNREAD = object()
_MISS = object()
_request = threading.local()


def read_version() -> int | None:
    """The current data version, as this connection's transaction sees it (one query)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM indicators_data_version WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def current_version() -> int | None:
    """The data version: read once per GET/HEAD request, otherwise on every call."""
    memo = getattr(_request, "version", None)
    if memo is None:
        return read_version()
    if memo is _UNREAD:
        _request.version = read_version()
    return _request.version


class VersionFirstMiddleware:
    """Read the data version before the view reads anything (see "Read the version first")."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in SAFE_METHODS and getattr(settings, "RESULTS_CACHE", True):
            current_version()
        return self.get_response(request)


def _request_started(sender, environ=None, **kwargs) -> None:
    method = (environ or {}).get("REQUEST_METHOD", "")
    _request.version = _UNREAD if method in SAFE_METHODS else None


def _request_finished(sender, **kwargs) -> None:
    _request.version = None


def connect_signals() -> None:
    request_started.connect(_request_started, dispatch_uid="data_version_started")
    request_finished.connect(_request_finished, dispatch_uid="data_version_finished")


def cache_key(name: str, version: int, parts: tuple) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"{name}:{version}:{get_language() or ''}:{digest}"


def remember(name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, or its value cached under (name, data version, language, ``parts``).

    ``parts`` must identify everything besides the data that the value depends on (primary
    keys, filters, the query string of links, the user's visible agencies); its ``repr`` is
    hashed, so use plain values, not model instances.
    """
    if not getattr(settings, "RESULTS_CACHE", True):
        return compute()
    version = current_version()
    if version is None:  # table missing or emptied by hand: do not cache
        return compute()
    cache = caches[CACHE_ALIAS]
    key = cache_key(name, version, parts)
    value = cache.get(key, _MISS)
    if value is _MISS:
        value = compute()
        cache.set(key, value)
    return value
