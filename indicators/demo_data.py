"""Deterministic demo figures for 2021, so a new user sees a full dashboard at once.

Every figure made here has ``is_demo=True`` and every page that shows one says so. Nothing here
is an official figure. The same seed always gives the same figures. Some agencies report late,
leave drafts or fall below target, so that every status appears.
"""

from __future__ import annotations

import random

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from indicators.models import Agency, Measurement, Period
from targets.models import Target

SEED = 829

# (low, high) of the quarterly denominator per level, and the usual rate range in percent.
VOLUMES = {
    "ho_so_dung_han": {"tinh": (1500, 12000), "huyen": (2500, 9000), "xa": (150, 1800)},
    "hai_long_ket_qua": {"tinh": (60, 400), "huyen": (80, 400), "xa": (20, 120)},
    "hai_long_phuc_vu": {"tinh": (60, 400), "huyen": (80, 400), "xa": (20, 120)},
    "ho_so_truc_tuyen": {"tinh": (1500, 12000), "huyen": (2500, 9000), "xa": (150, 1800)},
    "van_ban_tren_mang": {"tinh": (800, 5000), "huyen": (1500, 6000), "xa": (200, 1500)},
    # stocks: the number of services or procedures an agency offers
    "dvc_muc_do_4": {"tinh": (15, 160)},
    "tthc_trien_khai_34": {"tinh": (20, 180)},
    "dvc_tich_hop": {"tinh": (10, 150)},
}
RATES = {
    "ho_so_dung_han": (96.5, 100.0),
    "hai_long_ket_qua": (95.0, 100.0),
    "hai_long_phuc_vu": (95.5, 100.0),
    "ho_so_truc_tuyen": (25.0, 70.0),
    "dvc_muc_do_4": (18.0, 45.0),
    "tthc_trien_khai_34": (60.0, 95.0),
    "dvc_tich_hop": (30.0, 65.0),
    "van_ban_tren_mang:tinh": (84.0, 98.0),
    "van_ban_tren_mang:huyen": (72.0, 92.0),
    "van_ban_tren_mang:xa": (48.0, 78.0),
}
# Demo ranks for the province's four indices: one met, one near, one missed, one met.
DEMO_RANKS = {
    "par_index": (12, "81.540"),
    "papi": (24, None),
    "pci": (19, "64.100"),
    "sipas": (9, "88.200"),
}
LOW_NOTE = (
    "[Số liệu minh họa] Hệ thống một cửa điện tử gián đoạn trong quý, một số hồ sơ "
    "trả kết quả trễ hạn; đơn vị đã chấn chỉnh."
)


def _rate(rng: random.Random, indicator: str, level: str, weak: bool, quarter: int) -> float:
    low, high = RATES.get(f"{indicator}:{level}", RATES.get(indicator, (90.0, 100.0)))
    if indicator in {"dvc_muc_do_4", "tthc_trien_khai_34", "dvc_tich_hop", "ho_so_truc_tuyen"}:
        # online services grow over the year
        low, high = low + 3 * (quarter - 1), min(100.0, high + 3 * (quarter - 1))
    rate = rng.uniform(low, high)
    if weak:
        rate -= rng.uniform(3, 12)
    return max(0.0, min(100.0, rate))


def demo_measurements(year: int = 2021, seed: int = SEED) -> list[Measurement]:
    """Build (unsaved) demo measurements for every agency, quarter and index of ``year``."""
    rng = random.Random(seed)
    targets = list(Target.objects.filter(plan__year=year).select_related("indicator"))
    periods = {p.quarter: p for p in Period.objects.filter(year=year)}
    agencies = list(Agency.objects.active().order_by("order", "code"))  # a total order
    statuses = {1: "approved", 2: "approved", 3: "submitted", 4: "submitted"}
    out = []
    for agency in agencies:
        weak = rng.random() < 0.12  # a few agencies drag the province down all year
        late = rng.random() < 0.15  # ... and some have not sent the last quarter yet
        indicators = {t.indicator for t in targets if agency.level in t.levels}
        for indicator in sorted(indicators, key=lambda i: i.order):
            if indicator.is_annual:
                rank, score = DEMO_RANKS[indicator.code]
                out.append(
                    Measurement(
                        indicator=indicator,
                        agency=agency,
                        period=periods[None],
                        rank=rank,
                        score=score,
                        status="approved",
                        is_demo=True,
                    )
                )
                continue
            low, high = VOLUMES[indicator.code][agency.level]
            stock = rng.randint(low, high)
            for quarter in (1, 2, 3, 4):
                status = statuses[quarter]
                if quarter == 4 and late:
                    if rng.random() < 0.5:
                        continue  # not entered at all
                    status = "draft"
                if indicator.aggregation == "latest":
                    denominator = stock + rng.randint(0, 6) * (quarter - 1)
                else:
                    denominator = rng.randint(low, high)
                if (
                    agency.level == "xa"
                    and indicator.code == "ho_so_truc_tuyen"
                    and rng.random() < 0.04
                ):
                    denominator = 0  # "không phát sinh"
                rate = _rate(rng, indicator.code, agency.level, weak, quarter)
                numerator = min(denominator, round(denominator * rate / 100))
                note = LOW_NOTE if weak and indicator.code == "ho_so_dung_han" else ""
                out.append(
                    Measurement(
                        indicator=indicator,
                        agency=agency,
                        period=periods[quarter],
                        numerator=numerator,
                        denominator=denominator,
                        note=note,
                        status=status,
                        is_demo=True,
                    )
                )
    return out


@transaction.atomic
def seed_demo(year: int = 2021, *, reset: bool = False) -> int:
    """Create the demo figures of ``year`` where no figure exists yet; return how many.

    Never touches a real (non-demo) figure. With ``reset`` the old demo figures go first.
    Each new figure gets its creation row in the history (``_record_demo_creation``).
    """
    if not settings.DEMO_ALLOWED:
        raise ImproperlyConfigured("Demo figures are never generated in production.")
    if reset:
        Measurement.objects.filter(is_demo=True, period__year=year).delete()
    existing = set(
        Measurement.objects.filter(period__year=year).values_list(
            "indicator_id", "agency_id", "period_id"
        )
    )
    new = [
        m
        for m in demo_measurements(year)
        if (m.indicator_id, m.agency_id, m.period_id) not in existing
    ]
    Measurement.objects.bulk_create(new, batch_size=2000)
    _date_demo_reports(year)
    _record_demo_creation(year)
    # Fresh statistics: without them the planner takes the freshly filled table for empty
    # and picks nested loops that crawl for minutes on the next join.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Measurement._meta.db_table}")
    return len(new)


def _date_demo_reports(year: int) -> None:
    """Give demo figures plausible entry dates, so the completeness page has on-time and late
    reports: most arrive in the two weeks before the deadline, one agency in nine a few days
    after it. (``entered_at`` is set to "now" on insert; this rewrites it deterministically.)"""
    table = Measurement._meta.db_table
    periods = Period._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} AS m
               SET entered_at = (p.deadline
                    - ((m.agency_id * 7 + m.indicator_id) %% 14) * interval '1 day'
                    + CASE WHEN m.agency_id %% 9 = 0 THEN interval '4 days' ELSE interval '0' END
                    + interval '9 hours')
              FROM {periods} AS p
             WHERE m.period_id = p.id AND m.is_demo AND p.year = %s
            """,
            [year],
        )


def _record_demo_creation(year: int) -> None:
    """Give each demo figure of ``year`` that has no history its creation row ("+"), dated
    when it was entered, with no user: nobody entered these numbers, and without the row the
    first row of a demo figure's history would be its first review, which would read as the
    reviewer entering them. The history page shows these rows as "Số liệu minh họa, nhập
    sẵn" (``workflow.history_entries``). Figures seeded before this existed get theirs on the
    next run."""
    table = Measurement._meta.db_table
    history = Measurement.history.model._meta.db_table
    periods = Period._meta.db_table
    columns = ", ".join(f.column for f in Measurement._meta.concrete_fields)
    selected = ", ".join(f"m.{f.column}" for f in Measurement._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {history} ({columns}, history_date, history_change_reason,
                                   history_type, history_user_id)
            SELECT {selected}, m.entered_at, NULL, '+', NULL
              FROM {table} AS m JOIN {periods} AS p ON p.id = m.period_id
             WHERE m.is_demo AND p.year = %s
               AND NOT EXISTS (SELECT 1 FROM {history} AS h WHERE h.id = m.id)
            """,
            [year],
        )
