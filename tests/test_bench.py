"""The benchmark's own logic (issue 7), without running it: the generator is deterministic and
plausible, and results.md says what results.json holds (first fetch, runs that finished no
request, unequal query counts, the latest run chosen). The benchmark itself is `bash bench/run`."""

import random
from types import SimpleNamespace

from bench import generate, measure
from bench.results import write_markdown


def _indicator(pk, code, *, annual=False, aggregation="sum"):
    return SimpleNamespace(pk=pk, code=code, is_annual=annual, aggregation=aggregation)


INDICATORS = [
    _indicator(1, "ho_so_dung_han"),
    _indicator(2, "par_index", annual=True),
]
PERIODS = {1: 11, 2: 12, 3: 13, 4: 14, None: 10}
PERIODS_BY_PK = {pk: quarter for quarter, pk in PERIODS.items()}


def rows(agency_id, level, year, latest, seed="s"):
    rng = random.Random(f"{seed}:{year}:{agency_id}")
    is_province = level == "province"
    return list(
        generate._rows_for(agency_id, level, is_province, year, latest, INDICATORS, PERIODS, rng)
    )


def test_generated_figures_are_deterministic_and_consistent():
    first = rows(7, "xa", 2030, 2030)
    assert first == rows(7, "xa", 2030, 2030)  # same seed, same figures
    assert first != rows(7, "xa", 2030, 2030, seed="other")
    assert 3 <= len(first) <= 4  # four quarters, the last one sometimes not reported yet
    columns = generate.MEASUREMENT_COLUMNS
    for row in first:
        figure = dict(zip(columns, row, strict=True))
        assert 0 <= figure["numerator"] <= figure["denominator"]
        assert figure["is_demo"] is True  # generated figures are always labelled demo data
    statuses = {PERIODS_BY_PK[dict(zip(columns, r, strict=True))["period_id"]]: r for r in first}
    assert all(
        dict(zip(columns, r, strict=True))["status"] == generate.LATEST_STATUSES[q]
        for q, r in statuses.items()
    )
    earlier = rows(7, "xa", 2025, 2030)
    assert {dict(zip(columns, r, strict=True))["status"] for r in earlier} == {"approved"}
    assert len(earlier) == 4


def test_only_the_province_gets_the_annual_ranks():
    columns = generate.MEASUREMENT_COLUMNS
    province = [dict(zip(columns, r, strict=True)) for r in rows(1, "province", 2030, 2030)]
    assert [(f["indicator_id"], f["period_id"]) for f in province] == [(2, PERIODS[None])]
    assert 1 <= province[0]["rank"] <= 63
    commune = [dict(zip(columns, r, strict=True)) for r in rows(9, "xa", 2030, 2030)]
    assert {f["indicator_id"] for f in commune} == {1}


def test_the_measured_pages_cover_the_issue_list():
    names = [name for name, _ in measure.pages(2030)]
    assert names == [
        "baseline", "overview", "target", "heatmap", "agency", "district", "entry_form",
        "grid", "completeness", "report", "report_pdf",
    ]  # fmt: skip
    assert dict(measure.pages(2030))["grid"].startswith("/nhap-lieu/bang/2030-Q4/")


def _page(median, *, requests=100, first_s=0.2, queries=12):
    wrk = {"median_ms": median, "p95_ms": median * 2, "rps": 10.0, "requests": requests}
    wrk["errors"] = 0
    return {
        "path": "/",
        "status": 200,
        "first_s": first_s,
        "queries": queries,
        "queries_cached": 5,
        "c1": wrk,
        "c8": dict(wrk),
        "x_baseline": 1.0,
        "x_sql": 0.5,
    }


def _run(label, overview_queries_s3=12, pdf_requests=100):
    def data_set(queries):
        return {
            "data": {"agencies": 188, "years": 1, "measurements": 3905, "seconds": 2.0},
            "overview_sql": {"queries": 12, "median_ms": 30.0, "period": "2021"},
            "pages": {
                "baseline": _page(25.0),
                "overview": _page(20.0, queries=queries),
                "report_pdf": _page(30.0, requests=pdf_requests, first_s=39.83),
            },
        }

    return {
        "label": label,
        "started": "2026-11-25T04:13:49+00:00",
        "quick": False,
        "total_minutes": 17.3,
        "machine": {"nproc": 2, "cpu": "AMD EPYC", "memory_gb": 23.5, "loadavg_at_start": [1] * 3},
        "workers": 4,
        "duration_s": 8,
        "sets": {"S1": data_set(12), "S3": data_set(overview_queries_s3)},
    }


def test_results_markdown_shows_first_fetches_and_flags_unequal_query_counts(tmp_path):
    stored = {"runs": {"old": _run("old"), "new": _run("new", 13, pdf_requests=0)}}
    path = tmp_path / "results.md"
    write_markdown(stored, path)
    text = path.read_text()
    latest = text[: text.index("## Before and after")]
    assert "| page | queries (computed / cached) | first fetch ms |" in latest
    assert "| overview | 12 / 5 | 200 | 20.0 |" in latest
    # no request finished: the single fetch is shown instead of a median, and no ratio
    assert "| report_pdf | 12 / 5 | 39830 | none finished (one fetch 39830) |" in latest
    assert "| overview | 12 | 13 | **no** |" in latest  # S1 vs S3 query counts differ
    assert "## Before and after: “old” run vs latest" in text  # the last label is the latest
