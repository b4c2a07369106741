"""The plan, its 14 targets and 12 indicators, and An Giang's agencies are loaded exactly."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from indicators.models import Agency, Period
from targets.models import FocusArea, Indicator, Plan, Target

DATA = Path(__file__).resolve().parent.parent / "indicators" / "data"

EXPECTED_TARGETS = {
    # code: (indicator, levels, comparator, threshold, commitment)
    "ho_so_dung_han": ("ho_so_dung_han", ["tinh", "huyen", "xa"], "gte", "98", "phan_dau"),
    "hai_long_ket_qua": ("hai_long_ket_qua", ["tinh", "huyen", "xa"], "gte", "98", "phan_dau"),
    "hai_long_phuc_vu": ("hai_long_phuc_vu", ["tinh", "huyen", "xa"], "gte", "98", "phan_dau"),
    "dvc_muc_do_4": ("dvc_muc_do_4", ["tinh"], "gte", "30", "toi_thieu"),
    "tthc_trien_khai_34": ("tthc_trien_khai_34", ["tinh"], "gte", "80", "phan_dau"),
    "dvc_tich_hop": ("dvc_tich_hop", ["tinh"], "gte", "50", "phan_dau"),
    "ho_so_truc_tuyen": ("ho_so_truc_tuyen", ["tinh", "huyen", "xa"], "gte", "50", "phan_dau"),
    "van_ban_tren_mang_tinh": ("van_ban_tren_mang", ["tinh"], "gte", "90", "phan_dau"),
    "van_ban_tren_mang_huyen": ("van_ban_tren_mang", ["huyen"], "gte", "80", "phan_dau"),
    "van_ban_tren_mang_xa": ("van_ban_tren_mang", ["xa"], "gte", "60", "phan_dau"),
    "par_index": ("par_index", ["province"], "lte", "15", "nhom"),
    "papi": ("papi", ["province"], "lte", "15", "nhom"),
    "pci": ("pci", ["province"], "lte", "15", "nhom"),
    "sipas": ("sipas", ["province"], "lte", "15", "nhom"),
}

EXPECTED_INDICATORS = {
    "ho_so_dung_han": "sum",
    "hai_long_ket_qua": "sum",
    "hai_long_phuc_vu": "sum",
    "dvc_muc_do_4": "latest",
    "tthc_trien_khai_34": "latest",
    "dvc_tich_hop": "latest",
    "ho_so_truc_tuyen": "sum",
    "van_ban_tren_mang": "sum",
    "par_index": "annual",
    "papi": "annual",
    "pci": "annual",
    "sipas": "annual",
}


def test_plan_829_is_loaded(plan):
    assert plan.number == "829/KH-UBND"
    assert plan.issued_on.isoformat() == "2020-12-31"
    assert plan.issuer == "Ủy ban nhân dân tỉnh An Giang"
    assert [a.name for a in FocusArea.objects.filter(plan=plan)] == [
        "Cải cách thể chế",
        "Cải cách thủ tục hành chính",
        "Cải cách tổ chức bộ máy hành chính",
        "Cải cách chế độ công vụ",
        "Cải cách tài chính công",
        "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số",
    ]


def test_exactly_14_targets_with_their_thresholds(plan):
    targets = {t.code: t for t in Target.objects.filter(plan=plan).select_related("indicator")}
    assert set(targets) == set(EXPECTED_TARGETS)
    for code, (indicator, levels, comparator, threshold, commitment) in EXPECTED_TARGETS.items():
        t = targets[code]
        assert (t.indicator.code, t.levels, t.comparator, t.threshold, t.commitment) == (
            indicator,
            levels,
            comparator,
            Decimal(threshold),
            commitment,
        ), code
        assert t.warning_band == (Decimal(5) if comparator == "lte" else Decimal(2))


def test_exactly_12_indicators_with_their_aggregation(db):
    assert dict(Indicator.objects.values_list("code", "aggregation")) == EXPECTED_INDICATORS


def test_a_later_plan_can_be_added(plan):
    later = Plan.objects.create(
        number="1/KH-UBND",
        title="Kế hoạch CCHC năm 2022",
        issued_on="2021-12-30",
        issuer=plan.issuer,
        year=2022,
    )
    Target.objects.create(
        plan=later,
        code="ho_so_dung_han",
        indicator=Indicator.objects.get(code="ho_so_dung_han"),
        name="99% hồ sơ đúng hạn",
        levels=["tinh"],
        comparator="gte",
        threshold=99,
        commitment="phan_dau",
    )
    assert Target.objects.filter(indicator__code="ho_so_dung_han").count() == 2


def _csv(name):
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_agency_counts_per_level_match_the_shared_data(db):
    units = _csv("an_giang_units_2021.csv")
    departments = _csv("an_giang_departments_2021.csv")
    assert Agency.objects.filter(level="province").count() == 1
    assert Agency.objects.filter(level="tinh").count() == len(departments) == 20
    assert (
        Agency.objects.filter(level="huyen").count()
        == sum(u["level"] == "district" for u in units)
        == 11
    )
    assert (
        Agency.objects.filter(level="xa").count()
        == sum(u["level"] == "commune" for u in units)
        == 156
    )


def test_agencies_keep_codes_types_and_parents(db):
    long_xuyen = Agency.objects.get(code="883")
    assert (long_xuyen.name, long_xuyen.unit_type, long_xuyen.parent.code) == (
        "Thành phố Long Xuyên",
        "Thành phố",
        "89",
    )
    assert long_xuyen.children.count() == 13
    assert Agency.objects.get(code="30280").parent == long_xuyen
    assert Agency.objects.get(code="SNV").unit_type == "Sở"
    assert Agency.objects.get(code="TTT").unit_type == "Thanh tra"
    assert set(Agency.objects.filter(level="xa").values_list("unit_type", flat=True)) == {
        "Phường",
        "Thị trấn",
        "Xã",
    }


def test_load_agencies_is_idempotent_and_never_deletes(db):
    Agency.objects.filter(code="30280").update(active=False, name="đổi tên")
    call_command("load_agencies")
    call_command("load_agencies")
    assert Agency.objects.count() == 188
    again = Agency.objects.get(code="30280")
    assert again.name == "Phường Mỹ Bình"
    assert again.active is False  # deactivation is a decision we keep


def test_periods_and_deadlines(periods):
    assert list(periods) == ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4", "2021"]
    assert periods["2021-Q1"].deadline.isoformat() == "2021-04-15"
    assert periods["2021-Q4"].deadline.isoformat() == "2022-01-15"
    assert periods["2021-Q2"].label == "Quý II/2021"
    assert periods["2021-Q2"].cumulative_label == "6 tháng đầu năm 2021"
    assert periods["2021"].label == "Năm 2021"


@pytest.mark.parametrize("day", [10, 20])
def test_periods_are_generated_for_any_year_with_the_deadline_setting(db, settings, day):
    from indicators.models import ensure_periods

    settings.REPORTING_DEADLINE_DAY = day
    made = ensure_periods(2023)
    assert [p.code for p in made] == ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2023"]
    assert Period.objects.get(code="2023-Q3").deadline.isoformat() == f"2023-10-{day}"
