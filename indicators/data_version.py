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
- *Several workers.* The version lives in PostgreSQL, so a change made through any worker (or
  outside the app) changes the key for all of them on their next request. No cross-process
  message is needed.
- *Deploys.* The key also holds ``code_version()``, a digest of the project's code, templates,
  translations and static files and of the library versions, so new code never serves a body
  the old code rendered, even from the shared table, which outlives restarts.
- *Writers* do not wait for each other on the version row: it is updated at commit, so its lock
  lasts only to the end of the commit (no queue behind a long import, no deadlock through it).
- *Restore.* ``restore_db`` moves the sequence past every number handed out before the restore
  (``database_dump.restore``), so a running worker cannot take restored data for a version it
  cached before.

**Two tiers** (settings.CACHES). Each worker's memory (``results``, no query) is asked first;
behind it, a table in the same PostgreSQL (``results_shared``, Django's database cache, migration
``indicators.0005_results_cache``) shared by every worker and server: what one worker computed
the others fetch in one query instead of computing it again. Keeping it in the database itself
means the key needs no database identity (the benchmark's database and the app's cannot mix)
and a restore empties it (``backup_db`` skips its rows). When neither tier has a value, the
computation runs under a PostgreSQL advisory lock on the key, so that workers asked for the same
missing value at once compute it once: the others wait, then read it from the table. Only the
outermost ``remember`` of a request takes such a lock, so a worker never waits while holding
one (no deadlock between nested values).

**Keys from validated values only** (``key_of``). A key holds what a view validated (a form's
``cleaned_data``, model primary keys), never the raw query string nor a queryset's SQL: unknown
parameters (``?x=1``, ``?x=2``...), repeated ones and two spellings of one choice (``mode=luy-ke``
or no ``mode``) share one entry instead of each costing a full computation and a new row.

**Bounded in bytes** (``BoundedDatabaseCache``, the shared tier's backend). Besides Django's
``MAX_ENTRIES``, the stored values of the shared table total at most ``MAX_BYTES``
(``RESULTS_SHARED_MAX_BYTES``): before a write that would take this process's writes since its
last check past ``CHECK_BYTES``, the oldest rows are deleted until the rest fit in
``MAX_BYTES - CHECK_BYTES`` (one statement, which reads each row's stored size without reading
the value). A value larger than ``MAX_VALUE_BYTES`` (``RESULTS_SHARED_MAX_VALUE_BYTES``) is not
shared at all: the worker keeps it in its own memory. With one writing process the table never
passes ``MAX_BYTES``; with several, each may add up to ``CHECK_BYTES`` before its next check.

**One query per request.** The version read at the start is kept until ``request_finished``.
Other requests and code outside a request (commands, tests calling functions) read it per call.

**Switch.** ``settings.RESULTS_CACHE`` (env ``RESULTS_CACHE``, on by default) turns caching off;
the test suite turns it off so query-count tests measure the computation, and
``tests/test_data_version.py`` turns it on. Cached values never depend on the user: the page
bodies hold no user, permission or CSRF data, and callers put whatever user-specific filter
applies (e.g. visible agencies) into the key.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import logging
import pickle
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from django import forms
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, connection, connections, models, router, transaction
from django.utils.translation import get_language

T = TypeVar("T")

CACHE_ALIAS = "results"
SHARED_ALIAS = "results_shared"
# what the cached bodies are made from (code_version)
CODE_FOLDERS = ("reform_plan", "targets", "indicators", "templates", "locale", "static")
CODE_SUFFIXES = {".py", ".html", ".txt", ".mo", ".css", ".js", ".svg"}
LIBRARIES = ("django", "plotly", "weasyprint", "django-template-partials")
SAFE_METHODS = {"GET", "HEAD"}

logger = logging.getLogger(__name__)

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


@functools.cache
def code_version() -> str:
    """A digest of the code the cached values are made by: every source, template, translation
    and static file of the project (path and content), and the versions of Python and of the
    libraries that shape the output. Computed once per process (a few milliseconds)."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    for folder in CODE_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "migrations" not in path.parts and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes())
    for library in LIBRARIES:
        with suppress(metadata.PackageNotFoundError):
            digest.update(f"{library}={metadata.version(library)}".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:12]


def plain(value):
    """``value`` as plain, ordered values for a cache key: a model instance is (its label, its
    primary key), a date its ISO form, a dataclass (e.g. a ``Scope``) its class and fields, a
    sequence a tuple, a set a sorted tuple; numbers, text, booleans and None stay. Anything
    else (a QueryDict, a queryset) is refused: a key must not hold raw request input."""
    if value is None or isinstance(value, bool | int | str | Decimal):
        return value
    if isinstance(value, models.Model):
        return (value._meta.label, value.pk)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (type(value).__name__, *(plain(getattr(value, f.name)) for f in fields))
    if isinstance(value, list | tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, set | frozenset):
        return tuple(sorted((plain(v) for v in value), key=repr))
    raise TypeError(f"not a plain value for a cache key: {type(value).__name__}")


def key_of(*parts, fields: tuple[str, ...] | None = None) -> tuple:
    """The cache key parts of ``parts``, from validated values only: a valid bound form gives
    its ``cleaned_data``, field by field in name order (``fields``: only these), so that
    unknown, repeated or differently spelled parameters of a request make the same key; any
    other part goes through ``plain``. Every view that calls ``remember`` builds its key here."""
    out = []
    for part in parts:
        if isinstance(part, forms.BaseForm):
            names = sorted(part.fields) if fields is None else fields
            out.append(tuple((name, plain(part.cleaned_data.get(name))) for name in names))
        else:
            out.append(plain(part))
    return tuple(out)


def cache_key(name: str, version: int, parts: tuple) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"{name}:{version}:{code_version()}:{get_language() or ''}:{digest}"


@contextmanager
def _computing(key: str) -> Iterator[bool]:
    """Hold a session advisory lock on ``key`` while the value is computed, unless this thread
    already holds one (nested ``remember``): yields whether the lock was taken."""
    if getattr(_request, "computing", False):
        yield False
        return
    lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [lock_id])
    _request.computing = True
    try:
        yield True
    finally:
        _request.computing = False
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])


def remember(name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, or its value cached under (name, data version, code, language, ``parts``).

    ``parts`` must identify everything besides the data that the value depends on (primary
    keys, validated filters, the user's visible agencies), built with ``key_of`` from validated
    values only, never from the raw query string; its ``repr`` is hashed. Asks this worker's
    memory, then the shared table; computes only when neither has it (see "Two tiers").
    """
    if not getattr(settings, "RESULTS_CACHE", True):
        return compute()
    version = current_version()
    if version is None:  # table missing or emptied by hand: do not cache
        return compute()
    local = caches[CACHE_ALIAS]
    key = cache_key(name, version, parts)
    value = local.get(key, _MISS)
    if value is not _MISS:
        return value
    shared = caches[SHARED_ALIAS] if SHARED_ALIAS in settings.CACHES else None
    if shared is None:
        value = compute()
    else:
        value = shared.get(key, _MISS)
        if value is _MISS:
            with _computing(key) as locked:
                # another worker may have stored it while this one waited for the lock
                value = shared.get(key, _MISS) if locked else _MISS
                if value is _MISS:
                    value = compute()
                    shared.set(key, value)
    local.set(key, value)
    return value


# --- The shared tier, bounded in bytes --------------------------------------------------------

# Serialises culls across processes: a process that finds another one culling skips its turn.
CULL_LOCK = 0x52455355  # "RESU"


def stored_size(value) -> int:
    """The bytes ``value`` takes in the table: Django's database cache stores it pickled and
    base64-encoded as text."""
    return 4 * -(-len(pickle.dumps(value, DatabaseCache.pickle_protocol)) // 3)


class BoundedDatabaseCache(DatabaseCache):
    """Django's database cache, bounded in bytes as well as in entries (see "Bounded in bytes").

    OPTIONS, besides Django's: ``MAX_BYTES``, the total of the stored values (0: no bound);
    ``MAX_VALUE_BYTES``, the largest value stored (default: an eighth of ``MAX_BYTES``);
    ``CHECK_BYTES``, how much this process writes between two checks of the total (default:
    an eighth of ``MAX_BYTES``, at least ``MAX_VALUE_BYTES``).
    """

    def __init__(self, table, params):
        super().__init__(table, params)
        options = params.get("OPTIONS", {})
        self.max_bytes = int(options.get("MAX_BYTES", 0))
        self.max_value_bytes = int(options.get("MAX_VALUE_BYTES", self.max_bytes // 8))
        self.check_bytes = max(
            int(options.get("CHECK_BYTES", self.max_bytes // 8)), self.max_value_bytes
        )
        self._lock = threading.Lock()
        self._written = None  # bytes written since the last check; None: check at first write

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if not self.max_bytes:
            return super().set(key, value, timeout, version)
        size = stored_size(value)
        if size > self.max_value_bytes:
            logger.info("results cache: %s bytes, too large to share (%s)", size, key[:40])
            return None
        with self._lock:
            due = self._written is None or self._written + size > self.check_bytes
            self._written = size if due else self._written + size
        if due:
            self.cull_to(self.max_bytes - self.check_bytes)
        return super().set(key, value, timeout, version)

    def total_bytes(self) -> int:
        """The stored values' total, in bytes (their stored length, not read)."""
        db = router.db_for_read(self.cache_model_class)
        table = connections[db].ops.quote_name(self._table)
        with connections[db].cursor() as cursor:
            cursor.execute(f"SELECT coalesce(sum(octet_length(value)), 0) FROM {table}")
            return cursor.fetchone()[0]

    def cull_to(self, limit: int) -> None:
        """Delete expired rows, then the oldest rows until the rest total at most ``limit``
        bytes; skipped while another process culls (never waits, never deadlocks)."""
        db = router.db_for_write(self.cache_model_class)
        table = connections[db].ops.quote_name(self._table)
        try:
            with transaction.atomic(using=db), connections[db].cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [CULL_LOCK])
                if not cursor.fetchone()[0]:
                    return
                # all entries share one timeout, so the latest expiry is the latest write
                cursor.execute(
                    f"DELETE FROM {table} WHERE cache_key IN (SELECT cache_key FROM ("
                    "SELECT cache_key, expires, sum(octet_length(value)) OVER ("
                    "ORDER BY expires DESC, cache_key DESC) AS newer "
                    f"FROM {table}) AS ranked WHERE newer > %s OR expires < now())",
                    [limit],
                )
        except DatabaseError:  # a full table is better than a failed page
            logger.exception("results cache: cull failed")
