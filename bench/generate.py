"""Deterministic benchmark data sets, written with PostgreSQL COPY (never the ORM row by row).

The three sets grow into one another, so the benchmark builds S1, measures, extends it to S2,
measures, extends it to S3 and measures again:

- **S1**: An Giang 2021 as loaded by the migrations (188 agencies), four quarters and the year,
  every indicator the 2021 targets apply to.
- **S2**: S1 plus the plan years 2022–2030, each a copy of the 2021 plan's focus areas and
  targets (plan number ``BENCH-<year>``), with the same kind of figures for every year.
- **S3**: S2 plus 62 other provinces' worth of agencies (``P01-…`` to ``P62-…``: 20 departments,
  11 districts and 156 communes each, no province row) with figures for all ten years. The
  dashboards count every agency in the database as "the province", so An Giang's pages then
  aggregate about 11,800 agencies and 2.5 million measurements (COPY in about a minute).

Every figure is marked ``is_demo`` (so the pages say SỐ LIỆU MINH HỌA) and bypasses the
history table, as a bulk load would.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.db import connection, transaction

from indicators.demo_data import DEMO_RANKS, RATES, VOLUMES
from indicators.imports import NEW_COLUMNS
from indicators.models import Agency, Measurement, Period, ensure_periods
from targets.models import FocusArea, Plan, Target

SEED = 7_2021
FIRST_YEAR = 2021
LAST_YEAR = 2030
OTHER_PROVINCES = 62
# The statuses of the latest year, by quarter; earlier years are approved.
LATEST_STATUSES = {1: "approved", 2: "approved", 3: "submitted", 4: "submitted"}
# the columns an import writes for a new figure, less the generated id and the user
MEASUREMENT_COLUMNS = tuple(c for c in NEW_COLUMNS if c not in ("id", "entered_by_id"))


@dataclass(frozen=True)
class DataSet:
    name: str
    years: tuple[int, ...]
    other_provinces: int


DATA_SETS = {
    "S1": DataSet("S1", (FIRST_YEAR,), 0),
    "S2": DataSet("S2", tuple(range(FIRST_YEAR, LAST_YEAR + 1)), 0),
    "S3": DataSet("S3", tuple(range(FIRST_YEAR, LAST_YEAR + 1)), OTHER_PROVINCES),
}


def _copy_plan(base: Plan, year: int) -> None:
    """A plan for ``year`` with the base plan's focus areas and targets."""
    plan, created = Plan.objects.get_or_create(
        year=year,
        defaults={
            "number": f"BENCH-{year}",
            "title": f"{base.title} (bản sao cho năm {year}, dữ liệu đo hiệu năng)",
            "issued_on": base.issued_on.replace(year=year - 1),
            "issuer": base.issuer,
            "source": "bench/generate.py",
        },
    )
    if not created:
        return
    areas = {}
    for area in FocusArea.objects.filter(plan=base):
        areas[area.pk] = FocusArea.objects.create(
            plan=plan, code=area.code, name=area.name, order=area.order
        )
    Target.objects.bulk_create(
        Target(
            plan=plan,
            code=t.code,
            indicator_id=t.indicator_id,
            focus_area=areas.get(t.focus_area_id),
            name=t.name,
            wording=t.wording,
            levels=t.levels,
            comparator=t.comparator,
            threshold=t.threshold,
            commitment=t.commitment,
            warning_band=t.warning_band,
            order=t.order,
        )
        for t in Target.objects.filter(plan=base)
    )


def _other_province_agencies(count: int) -> int:
    """Copy An Giang's tree (departments, districts, communes) ``count`` times with prefixed
    codes, parents first; return how many agencies were written."""
    template = list(Agency.objects.exclude(level="province").order_by("order", "code"))
    by_pk = {a.pk: a for a in template}
    tops = [a for a in template if a.parent_id not in by_pk]  # departments and districts
    subs = [a for a in template if a.parent_id in by_pk]  # communes
    written = 0
    with connection.cursor() as cursor:
        for stage in (tops, subs):
            parents = {}
            if stage is subs:
                parents = dict(
                    Agency.objects.filter(code__regex=r"^P[0-9]{2}-").values_list("code", "pk")
                )
            cols = 'code, name, level, unit_type, parent_id, active, source, "order"'
            with cursor.copy(f"COPY indicators_agency ({cols}) FROM STDIN") as copy:
                for p in range(1, count + 1):
                    prefix = f"P{p:02d}-"
                    for a in stage:
                        parent = None
                        if stage is subs:
                            parent = parents[prefix + by_pk[a.parent_id].code]
                        copy.write_row(
                            (
                                prefix + a.code,
                                f"{a.name} (tỉnh giả định {p:02d})",
                                a.level,
                                a.unit_type,
                                parent,
                                True,
                                "bench/generate.py",
                                p * 1000 + a.order,
                            )
                        )
                        written += 1
    return written


def _rows_for(agency_id, level, is_province, year, latest_year, indicators, periods, rng):
    """The figures of one agency for one year, as COPY rows."""
    now = "2031-01-20 08:00:00+07"
    for ind in indicators:
        if ind.is_annual:
            if is_province:
                rank, score = DEMO_RANKS[ind.code]
                rank = max(1, min(63, rank + rng.randint(-4, 4)))
                yield (ind.pk, agency_id, periods[None], None, None, rank, score, "", "approved",
                       "", now, 1, True)  # fmt: skip
            continue
        if level not in VOLUMES[ind.code]:
            continue
        low, high = VOLUMES[ind.code][level]
        rate_low, rate_high = RATES.get(f"{ind.code}:{level}", RATES.get(ind.code, (90.0, 100.0)))
        stock = rng.randint(low, high)
        for quarter in (1, 2, 3, 4):
            status = LATEST_STATUSES[quarter] if year == latest_year else "approved"
            if year == latest_year and quarter == 4 and rng.random() < 0.08:
                continue  # some agencies have not reported the last quarter yet
            if ind.aggregation == "latest":
                denominator = stock + 3 * (quarter - 1)
            else:
                denominator = rng.randint(low, high)
            numerator = min(
                denominator, round(denominator * rng.uniform(rate_low, rate_high) / 100)
            )
            yield (ind.pk, agency_id, periods[quarter], numerator, denominator, None, None, "",
                   status, "", now, 1, True)  # fmt: skip


def _write_measurements(agencies: list[tuple], years: list[int], latest_year: int) -> int:
    """COPY the figures of ``agencies`` (pk, level) for ``years``; return the row count."""
    base = Plan.objects.get(year=FIRST_YEAR)
    targets = list(Target.objects.filter(plan=base).select_related("indicator"))
    by_level = {
        level: sorted(
            {t.indicator for t in targets if level in t.levels}, key=lambda i: (i.order, i.pk)
        )
        for level in ("province", "tinh", "huyen", "xa")
    }
    # No query may run on the connection while COPY is in progress: read the periods first.
    periods_of = {year: {} for year in years}
    for p in Period.objects.filter(year__in=years):
        periods_of[p.year][p.quarter] = p.pk
    written = 0
    cols = ", ".join(MEASUREMENT_COLUMNS)
    sql = f"COPY indicators_measurement ({cols}) FROM STDIN"
    with connection.cursor() as cursor:
        # A bulk load of generated, consistent rows: skip the per-row foreign-key triggers
        # (Django's deferred FK checks queue one event per row and per key, millions at S3).
        # Needs a superuser, which the embedded server's user is; ignored otherwise.
        cursor.execute(
            "DO $$ BEGIN SET LOCAL session_replication_role = replica; "
            "EXCEPTION WHEN insufficient_privilege THEN NULL; END $$"
        )
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for year in years:
            for agency_id, level in agencies:
                rng = random.Random(f"{SEED}:{year}:{agency_id}")
                for row in _rows_for(
                    agency_id,
                    level,
                    level == "province",
                    year,
                    latest_year,
                    by_level[level],
                    periods_of[year],
                    rng,
                ):
                    copy.write_row(row)
                    written += 1
    return written


def build(name: str, log=print) -> dict:
    """Bring the database to data set ``name`` (S1 ⊂ S2 ⊂ S3); return timings and counts.

    Figures are rewritten from scratch each time, so the result depends only on ``name``.
    """
    spec = DATA_SETS[name]
    started = time.perf_counter()
    timings = {}
    with transaction.atomic():
        t0 = time.perf_counter()
        base = Plan.objects.get(year=FIRST_YEAR)
        for year in spec.years:
            ensure_periods(year)
            if year != FIRST_YEAR:
                _copy_plan(base, year)
        with connection.cursor() as cursor:
            # TRUNCATE is instant; the history of generated figures is not kept.
            cursor.execute(
                "TRUNCATE indicators_measurement, indicators_historicalmeasurement, "
                "indicators_evidence"
            )
        # Whatever set was there before, keep only what ``name`` has.
        stale = Plan.objects.filter(number__startswith="BENCH-").exclude(year__in=spec.years)
        # targets and focus areas protect their plan: remove them first (going from S3 to S1)
        Target.objects.filter(plan__in=stale).delete()
        FocusArea.objects.filter(plan__in=stale).delete()
        stale.delete()
        Period.objects.exclude(year__in=spec.years).delete()
        others = Agency.objects.filter(code__regex=r"^P[0-9]{2}-")
        if not spec.other_provinces:
            others.filter(parent__isnull=False).delete()
            others.delete()
        new_agencies = 0
        if spec.other_provinces and not others.exists():
            new_agencies = _other_province_agencies(spec.other_provinces)
        timings["reference_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        agencies = list(Agency.objects.active().order_by("pk").values_list("pk", "level"))
        rows = _write_measurements(agencies, list(spec.years), max(spec.years))
        timings["copy_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["analyze_s"] = time.perf_counter() - t0
    total = time.perf_counter() - started
    info = {
        "data_set": name,
        "agencies": Agency.objects.count(),
        "new_agencies": new_agencies,
        "years": len(spec.years),
        "measurements": Measurement.objects.count(),
        "written": rows,
        "seconds": round(total, 1),
        **{k: round(v, 1) for k, v in timings.items()},
    }
    log(
        f"  {name}: {info['agencies']} agencies, {info['measurements']:,} measurements "
        f"in {info['seconds']} s (COPY {info['copy_s']} s)"
    )
    return info
