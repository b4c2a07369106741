"""Cache keys are made of validated values only, and the shared table is bounded in bytes
(indicators/data_version.py, "Keys from validated values only", "Bounded in bytes").

Unknown query parameters (``?x=1``, ``?x=2``...) once each cost a full computation and a new row
in the shared table, which grew without bound under a fuzz. These tests run in one transaction
(no commit): the data version does not move, which is all they need.
"""

import os
from collections import Counter

import pytest
from django.core.cache import caches
from django.db import connection
from django.http import QueryDict
from django.urls import reverse

from indicators import dashboards, data_version, report_views, review
from indicators.models import Period


@pytest.fixture
def cached(settings):
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
def figure(measure):
    """The only figure of 2021-Q1: the province's dossiers on time read 73,0%."""
    return measure("ho_so_dung_han", "STP", "2021-Q1", 73, 100)


def counting(value="computed"):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


@pytest.fixture
def computations(monkeypatch):
    """Every computation a view asks ``remember`` for, by name (not the cached answers)."""
    done = Counter()
    real = data_version.remember

    def spy(name, parts, compute):
        def counted():
            done[name] += 1
            return compute()

        return real(name, parts, counted)

    for module in (dashboards, review, report_views):
        monkeypatch.setattr(module, "remember", spy)
    return done


# (page, its filters, what it computes, how many unknown parameters are tried: a hundred on
# the overview, a few on each other page, which share the same code path)
UNKNOWN_PARAMETER_PAGES = [
    (reverse("home"), "?period=2021-Q1", {"overview", "body"}, 100),
    (
        reverse("dashboard-target", args=["ho_so_dung_han"]),
        "?period=2021-Q1",
        {"target", "body"},
        5,
    ),
    (reverse("dashboard-agency", args=["STP"]), "?period=2021-Q1", {"agency", "body"}, 5),
    (reverse("dashboard-district"), "?period=2021-Q1&district=883", {"district", "body"}, 5),
    (reverse("dashboard-heatmap"), "?period=2021-Q1", {"heatmap", "body"}, 5),
    (reverse("completeness"), "?period=2021-Q1", {"completeness", "completeness-body"}, 5),
    (reverse("report"), "?period=2021-Q1", {"report", "report-document"}, 5),
]


@pytest.mark.parametrize(("url", "query", "names", "tries"), UNKNOWN_PARAMETER_PAGES)
def test_unknown_parameters_compute_once(
    cached, client, staff, figure, computations, url, query, names, tries
):
    """``?zzq0=0``, ``?zzq1=1``... (and a repeated or defaulted choice) are the same page: one
    computation, one entry, and no link in the cached page carries what the address held."""
    client.force_login(staff)
    variants = [f"{query}&zzq{n}={n}" for n in range(tries)]
    variants += [f"{query}&{query[1:]}", f"{query}&mode=luy-ke&sort=&level="]
    if "completeness" in url:
        variants[-1] = f"{query}&level=&trang=1"
    for variant in variants:
        response = client.get(url + variant)
        assert response.status_code == 200, variant
        assert set(computations) == names, (variant, computations)
        assert max(computations.values()) == 1, (variant, computations)
        # the cached part of the page (the language switch outside it names the address)
        cached_html = response.context.get("body_html") or response.context["document_html"]
        assert "zzq" not in cached_html


def test_pages_past_the_last_are_the_last_page(cached, client, leader, figure, computations):
    client.force_login(leader)
    for page in range(2, 40):
        url = reverse("dashboard-heatmap") + f"?period=2021-Q1&trang={page}"
        assert client.get(url).status_code == 200
    assert computations["heatmap"] == 1 and computations["body"] == 1


def test_the_report_pdf_is_computed_once_whatever_else_the_address_holds(
    cached, client, committee, figure, computations
):
    client.force_login(committee)
    for n in range(5):
        response = client.get(reverse("report-pdf") + f"?period=2021-Q1&utm_source={n}")
        assert response.status_code == 200
        assert computations["report-pdf"] == 1
    # the port of the Host header (Django checks ALLOWED_HOSTS without it) is not a key either
    for port in range(8001, 8005):
        response = client.get(
            reverse("report-pdf") + "?period=2021-Q1", HTTP_HOST=f"localhost:{port}"
        )
        assert response.status_code == 200
        assert computations["report-pdf"] == 1


BOUNDED = {
    "BACKEND": "indicators.data_version.BoundedDatabaseCache",
    "LOCATION": "indicators_results_cache",
    "OPTIONS": {"MAX_BYTES": 60_000, "MAX_VALUE_BYTES": 8_000},
}


@pytest.fixture
def bounded(db, cached, settings):
    settings.CACHES = {**settings.CACHES, "results_shared": BOUNDED}
    table = caches["results_shared"]
    table.clear()
    yield table
    table.clear()


def test_the_shared_table_stays_under_its_byte_bound(bounded):
    """A burst of distinct valid keys (each one a value of about 4 kB as stored): the table's
    values never total more than MAX_BYTES, and the newest values are the ones kept."""
    assert bounded.total_bytes() == 0
    for n in range(200):
        data_version.remember("burst", (n,), lambda: os.urandom(3000))
        assert bounded.total_bytes() <= 60_000, n
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM indicators_results_cache")
        rows = cursor.fetchone()[0]
    assert 10 <= rows < 16  # about 60 kB of 4 kB values: the oldest were deleted
    caches["results"].clear()  # another worker: the latest value comes from the table
    compute, calls = counting()
    data_version.remember("burst", (199,), compute)
    assert not calls


def test_a_value_over_the_cap_stays_in_its_worker(bounded, monkeypatch):
    compute, calls = counting("x" * 20_000)
    assert data_version.remember("big", (1,), compute) == "x" * 20_000
    assert bounded.total_bytes() == 0  # refused by the table
    data_version.remember("big", (1,), compute)
    assert len(calls) == 1  # ... but kept in this worker's memory
    monkeypatch.setattr(data_version, "CACHE_ALIAS", "worker-b")
    data_version.remember("big", (1,), compute)
    assert len(calls) == 2  # another worker computes it again


def test_keys_are_made_of_validated_values_only():
    period = Period(pk=7, code="2021-Q1", year=2021, quarter=1)
    assert data_version.key_of(period, "x", 1, None) == (("indicators.Period", 7), "x", 1, None)
    with pytest.raises(TypeError):
        data_version.key_of(QueryDict("x=1"))
