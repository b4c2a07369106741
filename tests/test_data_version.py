"""Cached results (indicators/data_version.py): a cached page issues fewer queries, and any
change to the figures, through the ORM, raw SQL or COPY, shows at once; a change rolled back
leaves the old figure; two workers with separate caches both see a change.

These tests commit (``transaction=True``): the version moves when a writing transaction commits.
"""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators import data_version
from indicators.models import Measurement

OVERVIEW = reverse("home") + "?period=2021-Q1"

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def cached(settings):  # noqa: F811 (the pytest-django fixture)
    settings.RESULTS_CACHE = True
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "results": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "a"},
        "worker-b": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b"},
    }
    caches["results"].clear()
    caches["worker-b"].clear()
    yield
    caches["results"].clear()
    caches["worker-b"].clear()


@pytest.fixture
def viewer(client, leader):
    client.force_login(leader)
    return client


@pytest.fixture
def figure(measure):
    """The only figure of 2021-Q1: the province's dossiers on time read 73,0%."""
    return measure("ho_so_dung_han", "STP", "2021-Q1", 73, 100)


def page(client, url=OVERVIEW) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def set_numerator(pk: int, value: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE indicators_measurement SET numerator = %s WHERE id = %s", [value, pk]
        )


def test_every_kind_of_write_changes_the_version(figure):
    seen = [data_version.read_version()]
    Measurement.objects.filter(pk=figure.pk).update(numerator=74)
    seen.append(data_version.read_version())
    set_numerator(figure.pk, 75)
    seen.append(data_version.read_version())
    with connection.cursor() as cursor, cursor.copy("COPY indicators_measurement (id) FROM STDIN"):
        pass  # no rows: the statement trigger fires all the same
    seen.append(data_version.read_version())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE indicators_period SET locked = locked WHERE false")
    seen.append(data_version.read_version())
    assert None not in seen
    assert len(set(seen)) == len(seen), seen


def test_a_cached_page_reads_only_the_version_then_shows_changes(cached, viewer, figure):
    with CaptureQueriesContext(connection) as first:
        assert "73,0%" in page(viewer)
    with CaptureQueriesContext(connection) as second:
        assert "73,0%" in page(viewer)
    version_reads = [q for q in second.captured_queries if "indicators_data_version" in q["sql"]]
    assert len(version_reads) == 1  # once per request, not per cached call
    # ... and before the view reads any data, so nothing older than the version is cached
    sqls = [q["sql"] for q in first.captured_queries]
    at = next(i for i, sql in enumerate(sqls) if "indicators_data_version" in sql)
    assert not [sql for sql in sqls[:at] if '"indicators_' in sql or '"targets_' in sql]
    assert len(second) <= len(first) - 5, (len(first), len(second))

    figure.numerator = 61
    figure.save()
    text = page(viewer)
    assert "61,0%" in text and "73,0%" not in text

    set_numerator(figure.pk, 52)
    text = page(viewer)
    assert "52,0%" in text and "61,0%" not in text


def test_a_change_rolled_back_leaves_the_old_figure(cached, viewer, figure):
    assert "73,0%" in page(viewer)
    before = data_version.read_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        set_numerator(figure.pk, 61)
        assert data_version.read_version() == before  # the version moves at commit only
        raise RuntimeError("roll back")
    assert data_version.read_version() == before
    text = page(viewer)
    assert "73,0%" in text and "61,0%" not in text
    set_numerator(figure.pk, 61)  # a later commit with the same figure: not the rolled-back entry
    assert "61,0%" in page(viewer)


def test_two_workers_with_their_own_caches_both_see_a_change(cached, viewer, figure, monkeypatch):
    for alias in ("results", "worker-b"):
        monkeypatch.setattr(data_version, "CACHE_ALIAS", alias)
        assert "73,0%" in page(viewer)
    set_numerator(figure.pk, 61)  # written by "worker A" (or another process)
    for alias in ("worker-b", "results"):
        monkeypatch.setattr(data_version, "CACHE_ALIAS", alias)
        text = page(viewer)
        assert "61,0%" in text and "73,0%" not in text


def test_cached_pages_follow_the_language(cached, viewer, figure):
    assert "Chưa đạt" in page(viewer)  # 73% for a 98% goal
    viewer.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = page(viewer, OVERVIEW)
    assert "Chưa đạt" not in english


def test_off_switch_computes_every_time(settings, viewer, figure):
    settings.RESULTS_CACHE = False
    with CaptureQueriesContext(connection) as first:
        page(viewer)
    with CaptureQueriesContext(connection) as second:
        page(viewer)
    assert not any("indicators_data_version" in q["sql"] for q in second.captured_queries)
    assert len(second) == len(first)


def test_cached_html_is_served_only_after_the_permission_check(cached, client, leader, officer_a):
    client.force_login(leader)
    full = page(client, reverse("dashboard-heatmap"))
    partial = client.get(reverse("dashboard-heatmap"), HTTP_HX_REQUEST="true").content.decode()
    assert partial.strip().startswith('<div id="dashboard-body"') and partial in full
    client.force_login(officer_a)  # no dashboard permission: never the cached page
    assert client.get(reverse("dashboard-heatmap")).status_code == 403
    assert client.get(reverse("home"), HTTP_HX_REQUEST="true").status_code == 302


def test_cached_completeness_is_kept_per_visible_agencies(cached, client, staff, officer_b, figure):
    url = reverse("completeness") + "?period=2021-Q1"
    client.force_login(staff)
    assert "Sở Tư pháp" in page(client, url)
    client.force_login(officer_b)  # a commune officer: never the staff's cached table
    assert "Sở Tư pháp" not in page(client, url)
    client.force_login(staff)
    Measurement.objects.filter(pk=figure.pk).update(status=Measurement.Status.APPROVED)
    assert page(client, url).count("wf-approved") == 1


def test_a_writer_does_not_wait_for_another_open_writing_transaction(measure):
    """The version moves at commit: an open transaction that wrote a figure (a long import, a
    grid being saved) does not make another writer wait, so two writers locking figures in
    opposite orders cannot deadlock through the version row."""
    import threading

    from django.db import connection as main_connection

    first = measure("ho_so_dung_han", "STP", "2021-Q1", 73, 100)
    second = measure("ho_so_dung_han", "SYT", "2021-Q1", 80, 100)
    before = data_version.read_version()
    wrote, release, errors = threading.Event(), threading.Event(), []

    def open_writer():
        from django.db import connection

        try:
            with transaction.atomic():
                set_numerator(first.pk, 74)
                wrote.set()
                release.wait(10)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=open_writer)
    thread.start()
    try:
        assert wrote.wait(10)
        with main_connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # the old design waited here forever
        set_numerator(second.pk, 81)
        assert data_version.read_version() > before  # committed: the version moved
    finally:
        release.set()
        thread.join(10)
        with main_connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert not errors, errors
    assert Measurement.objects.get(pk=first.pk).numerator == 74


# --- The shared tier: a table in PostgreSQL behind each worker's memory ------------------------

SHARED = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "indicators_results_cache",
}


@pytest.fixture
def shared(cached, settings):
    settings.CACHES = {**settings.CACHES, "results_shared": SHARED}
    caches["results_shared"].clear()
    yield caches["results_shared"]
    caches["results_shared"].clear()


def counting(value="computed"):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def test_a_value_computed_by_one_worker_is_read_by_another_from_the_table(shared, monkeypatch):
    compute, calls = counting({"rate": "73,0%"})
    assert data_version.remember("x", (1,), compute) == {"rate": "73,0%"}
    assert len(calls) == 1
    monkeypatch.setattr(data_version, "CACHE_ALIAS", "worker-b")  # another worker's memory
    with CaptureQueriesContext(connection) as queries:
        assert data_version.remember("x", (1,), compute) == {"rate": "73,0%"}
    assert len(calls) == 1
    assert any("indicators_results_cache" in q["sql"] for q in queries.captured_queries)
    with CaptureQueriesContext(connection) as queries:  # now in worker B's memory: no query
        data_version.remember("x", (1,), compute)
    assert not [q for q in queries.captured_queries if "results_cache" in q["sql"]]


def test_the_shared_table_follows_the_data_version_and_the_code(shared, figure, monkeypatch):
    compute, calls = counting()
    data_version.remember("x", (1,), compute)
    caches["results"].clear()
    data_version.remember("x", (1,), compute)
    assert len(calls) == 1
    set_numerator(figure.pk, 61)  # new data: a new key, in both tiers
    data_version.remember("x", (1,), compute)
    assert len(calls) == 2
    caches["results"].clear()
    monkeypatch.setattr(data_version, "code_version", lambda: "new-deploy")
    data_version.remember("x", (1,), compute)  # new code: never the old code's value
    assert len(calls) == 3


def test_a_page_computed_by_one_worker_is_served_by_another(shared, viewer, figure, monkeypatch):
    with CaptureQueriesContext(connection) as computed:
        assert "73,0%" in page(viewer)
    monkeypatch.setattr(data_version, "CACHE_ALIAS", "worker-b")
    with CaptureQueriesContext(connection) as fetched:
        assert "73,0%" in page(viewer)
    assert len(fetched) < len(computed) - 5, (len(computed), len(fetched))
    set_numerator(figure.pk, 61)
    text = page(viewer)
    assert "61,0%" in text and "73,0%" not in text


def test_workers_asked_at_once_for_a_missing_value_compute_it_once(shared):
    """The computation runs under an advisory lock on its key: a second worker waits, then
    reads the first one's value from the table instead of computing it again."""
    import threading
    import time

    calls, errors = [], []
    started = threading.Barrier(3)

    def slow():
        calls.append(1)
        time.sleep(0.5)
        return "report"

    def worker():
        from django.db import connection as own

        try:
            started.wait(10)
            assert data_version.remember("pdf", (1,), slow) == "report"
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    started.wait(10)
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    assert len(calls) == 1


def test_nested_values_take_one_lock_only(shared):
    """Only the outermost computation holds an advisory lock, so a worker never waits for a
    lock while holding one (two workers nesting values in different orders cannot deadlock)."""
    locks = []

    def inner():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
            locks.append(cursor.fetchone()[0])
        return "inner"

    outer = data_version.remember("outer", (1,), lambda: data_version.remember("in", (1,), inner))
    assert outer == "inner" and locks == [1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        assert cursor.fetchone()[0] == 0  # released


def test_code_version_changes_with_a_template(settings, tmp_path):
    (tmp_path / "templates").mkdir()
    page_file = tmp_path / "templates" / "page.html"
    page_file.write_text("<p>{{ a }}</p>")
    settings.BASE_DIR = tmp_path
    data_version.code_version.cache_clear()
    try:
        first = data_version.code_version()
        data_version.code_version.cache_clear()
        assert data_version.code_version() == first  # stable
        page_file.write_text("<p>{{ b }}</p>")
        data_version.code_version.cache_clear()
        assert data_version.code_version() != first
    finally:
        data_version.code_version.cache_clear()


def test_a_cached_report_page_does_not_load_the_report_object(cached, client, committee, figure):
    """The page around a cached document needs only the options: the report object (large at
    national scale) is built or read from the cache only when a document is not cached."""
    from indicators import report_views

    asked = []
    real = report_views.remember

    def spy(name, parts, compute):
        asked.append(name)
        return real(name, parts, compute)

    client.force_login(committee)
    url = reverse("report") + "?period=2021-Q1"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_views, "remember", spy)
        assert "73,0%" in page(client, url)
        assert asked == ["report-document", "report"]  # computed: the document needs it
        asked.clear()
        assert "73,0%" in page(client, url)
        assert asked == ["report-document"]
        assert client.get(reverse("report-excel") + "?period=2021-Q1").status_code == 200
        assert asked == ["report-document", "report"]  # the workbook needs the report itself
