"""The ``attainment`` and ``seed_demo`` commands (``import_measurements`` is in test_imports)."""

import io
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from indicators.attainment import Scope, Status, results_by_agency, results_for
from indicators.demo_data import demo_measurements
from indicators.demo_data import seed_demo as seed_demo_figures
from indicators.measurements import check_figures
from indicators.models import Agency, Measurement, Period
from targets.models import Target

FIELDS = [
    "target",
    "indicator",
    "period",
    "numerator",
    "denominator",
    "actual",
    "threshold",
    "comparator",
    "status",
    "reported",
    "expected",
]


def attainment(*args):
    out = io.StringIO()
    call_command("attainment", *args, stdout=out)
    return out.getvalue()


def attainment_json(*args):
    rows = json.loads(attainment(*args, "--format", "json"))
    assert all(list(row) == FIELDS for row in rows)
    return {row["target"]: row for row in rows}


@pytest.fixture
def figures(measure):
    """Q1 and Q2 figures across the province, and the year's PAR Index rank."""
    measure("ho_so_dung_han", "STP", "2021-Q1", 47, 50, status=Measurement.Status.APPROVED)
    measure("ho_so_dung_han", "STP", "2021-Q2", 50, 50)
    measure("ho_so_dung_han", "SNV", "2021-Q2", 0, 0)
    measure("ho_so_dung_han", "SKHDT", "2021-Q2", 0, 1000, status=Measurement.Status.DRAFT)
    measure("ho_so_dung_han", "883", "2021-Q2", 96, 100)
    measure("ho_so_dung_han", "30280", "2021-Q2", 99, 100)
    measure("ho_so_dung_han", "30316", "2021-Q2", 10, 100)
    measure("dvc_muc_do_4", "STP", "2021-Q1", 30, 100)
    measure("par_index", "89", "2021", rank=12, score="81.54")


def test_province_json(figures):
    rows = attainment_json("--period", "2021-Q2")
    assert len(rows) == 14
    assert rows["ho_so_dung_han"] == {
        "target": "ho_so_dung_han",
        "indicator": "ho_so_dung_han",
        "period": "2021-Q2",
        "numerator": 302,  # 47 + 50 + 0 + 96 + 99 + 10
        "denominator": 400,
        "actual": "75.50",
        "threshold": "98",
        "comparator": "gte",
        "status": "missed",
        "reported": 5,  # STP, SNV (0/0), 883, 30280, 30316; not SKHDT's draft
        "expected": 187,
    }
    assert rows["dvc_muc_do_4"] == {
        "target": "dvc_muc_do_4",
        "indicator": "dvc_muc_do_4",
        "period": "2021-Q2",
        "numerator": 30,  # a stock: STP's Q1 figure still stands
        "denominator": 100,
        "actual": "30.00",
        "threshold": "30",
        "comparator": "gte",
        "status": "met",
        "reported": 0,
        "expected": 20,
    }
    assert rows["par_index"] == {
        "target": "par_index",
        "indicator": "par_index",
        "period": "2021-Q2",
        "numerator": None,
        "denominator": None,
        "actual": None,
        "threshold": "15",
        "comparator": "lte",
        "status": "no_data",
        "reported": 0,
        "expected": 1,
    }
    assert rows["van_ban_tren_mang_xa"]["indicator"] == "van_ban_tren_mang"
    assert rows["van_ban_tren_mang_xa"]["threshold"] == "60"
    assert rows["van_ban_tren_mang_xa"]["expected"] == 156


def test_level_json(figures):
    rows = attainment_json("--period", "2021-Q2", "--level", "tinh")
    row = rows["ho_so_dung_han"]
    assert (row["numerator"], row["denominator"], row["actual"], row["status"]) == (
        97,
        100,
        "97.00",
        "near",
    )
    assert (row["reported"], row["expected"]) == (2, 20)
    assert rows["par_index"]["expected"] == 0
    xa = attainment_json("--period", "2021-Q2", "--level", "xa")["ho_so_dung_han"]
    assert (xa["numerator"], xa["denominator"], xa["actual"], xa["status"]) == (
        109,
        200,
        "54.50",
        "missed",
    )
    assert (xa["reported"], xa["expected"]) == (2, 156)


def test_district_json(figures):
    rows = attainment_json("--period", "2021-Q2", "--district", "883")
    row = rows["ho_so_dung_han"]
    assert (row["numerator"], row["denominator"], row["actual"], row["status"]) == (
        195,
        200,
        "97.50",
        "near",
    )
    assert (row["reported"], row["expected"]) == (2, 14)
    dvc = rows["dvc_muc_do_4"]
    assert (dvc["numerator"], dvc["status"], dvc["expected"]) == (None, "no_data", 0)


def test_agency_quarter_only_json(figures):
    cumulative = attainment_json("--period", "2021-Q2", "--agency", "STP")
    row = cumulative["ho_so_dung_han"]
    assert (row["numerator"], row["denominator"], row["actual"], row["status"]) == (
        97,
        100,
        "97.00",
        "near",
    )
    alone = attainment_json("--period", "2021-Q2", "--agency", "STP", "--quarter-only")
    row = alone["ho_so_dung_han"]
    assert (row["numerator"], row["denominator"], row["actual"], row["status"]) == (
        50,
        50,
        "100.00",
        "met",
    )
    assert (row["reported"], row["expected"]) == (1, 1)
    dvc = alone["dvc_muc_do_4"]
    assert (dvc["numerator"], dvc["actual"], dvc["status"]) == (None, None, "no_data")
    assert (dvc["reported"], dvc["expected"]) == (0, 1)


def test_annual_json_has_the_indices(figures):
    rows = attainment_json("--period", "2021")
    par = rows["par_index"]
    assert (par["numerator"], par["actual"], par["status"], par["reported"]) == (
        None,
        "12",
        "met",
        1,
    )
    assert rows["papi"]["status"] == "no_data"
    assert rows["ho_so_dung_han"]["numerator"] == 302


def test_table_format(figures):
    out = attainment("--period", "2021-Q2", "--agency", "STP")
    lines = out.splitlines()
    assert lines[0].split() == FIELDS
    assert len(lines) == 15
    row = next(line for line in lines if line.startswith("ho_so_dung_han "))
    assert row.split()[3:6] == ["97", "100", "97.00"]
    assert "near" in row.split()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2021-Q5"], "Không có kỳ báo cáo “2021-Q5”"),
        (["--period", "2021-Q2", "--agency", "XYZ"], "Không có đơn vị mã “XYZ”"),
        (["--period", "2021-Q2", "--district", "XYZ"], "Không có đơn vị mã “XYZ”"),
        (["--period", "2021-Q2", "--district", "STP"], "không phải đơn vị cấp huyện"),
        (["--period", "2021-Q2", "--district", "30280"], "không phải đơn vị cấp huyện"),
        (["--period", "2021-Q2", "--level", "tinh", "--agency", "STP"], "not allowed with"),
        (["--period", "2021-Q2", "--level", "province"], "invalid choice"),
        (["--period", "2021-Q2", "--format", "csv"], "invalid choice"),
    ],
)
def test_attainment_errors(db, args, message):
    with pytest.raises(CommandError, match=message):
        attainment(*args)


def test_attainment_without_a_plan(db):
    Period.objects.create(
        code="2019", year=2019, start="2019-01-01", end="2019-12-31", deadline="2020-01-15"
    )
    with pytest.raises(CommandError, match="Không có kế hoạch cho năm 2019"):
        attainment("--period", "2019")


# --- seed_demo ----------------------------------------------------------------------------------


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return sorted(
        Measurement.objects.values_list(
            "indicator__code",
            "agency__code",
            "period__code",
            "numerator",
            "denominator",
            "rank",
            "score",
            "status",
            "note",
            "is_demo",
        )
    )


def test_seed_demo_is_deterministic_and_idempotent(db):
    out = seed()
    first = snapshot()
    assert len(first) > 3000
    assert f"thêm {len(first)} số liệu" in out
    assert all(row[-1] for row in first)  # every one is marked as demo
    assert "thêm 0 số liệu" in seed()
    assert snapshot() == first
    stp = Agency.objects.get(code="STP")
    Measurement.objects.filter(agency=stp).update(numerator=0)  # tamper with them
    assert snapshot() != first
    seed("--reset")
    assert snapshot() == first


def test_seed_demo_never_overwrites_a_real_figure(db, measure):
    real = measure("ho_so_dung_han", "STP", "2021-Q1", 1, 2, status=Measurement.Status.DRAFT)
    rank = measure("par_index", "89", "2021", rank=40)
    seed("--reset")  # --reset deletes demo figures only
    seed()
    for m in (real, rank):
        m.refresh_from_db()
        assert not m.is_demo
        assert m.version == 1
    assert (real.numerator, real.denominator, real.status, rank.rank) == (1, 2, "draft", 40)
    assert Measurement.objects.filter(is_demo=False).count() == 2
    # The demo figures around it are still there.
    assert Measurement.objects.filter(
        indicator__code="ho_so_dung_han", agency__code="STP", is_demo=True
    ).exists()


def test_seed_demo_shows_every_status(db, plan):
    seed()
    seen = set()
    for period in Period.objects.filter(year=2021):
        for scope in (Scope.province(), *(Scope.of_level(lv) for lv in ("tinh", "huyen", "xa"))):
            seen |= {r.status for r in results_for(plan, period, scope)}
        seen |= {r.status for r in results_by_agency(plan, period).values()}
    assert seen == set(Status)
    province = {r.target.code: r.status for r in results_for(plan, plan_year(), Scope.province())}
    # The four indices: one met, one near, one missed.
    assert {province[c] for c in ("par_index", "papi", "pci", "sipas")} == {
        Status.MET,
        Status.NEAR,
        Status.MISSED,
    }


def plan_year():
    return Period.objects.get(code="2021")


def test_demo_figures_pass_the_entry_rules(db):
    targets = list(Target.objects.select_related("plan"))
    figures = demo_measurements(2021)
    statuses = {m.status for m in figures}
    assert statuses <= {"draft", "submitted", "approved"} and "draft" in statuses
    for m in figures:
        raw = {
            "numerator": m.numerator,
            "denominator": m.denominator,
            "rank": m.rank,
            "score": m.score,
        }
        checked = check_figures(m.indicator, m.agency, m.period, raw, targets)
        assert checked.ok, (str(m), checked.errors)


def test_seed_demo_is_refused_in_production(db, settings):
    settings.DEMO_ALLOWED = False
    with pytest.raises(CommandError, match="production"):
        seed()
    with pytest.raises(CommandError, match="production"):
        seed("--reset")
    with pytest.raises(ImproperlyConfigured):
        seed_demo_figures()
    assert not Measurement.objects.exists()
