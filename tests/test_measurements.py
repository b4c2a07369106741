"""What may be entered for one figure (indicators/measurements.py), the database's own checks,
and saving a figure without losing its history."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from indicators.measurements import (
    MAX_COUNT,
    MESSAGES,
    Figures,
    check_figures,
    parse_count,
    parse_score,
    upsert_measurement,
)
from indicators.models import Agency, Measurement, Period
from targets.models import Indicator

NOT_WHOLE = MESSAGES["not_whole"]
TOO_BIG = MESSAGES["too_big"]


# --- parse_count --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234", 1234),
        ("1.234", 1234),  # Vietnamese thousands separator
        ("1 234", 1234),
        ("12.345.678", 12345678),
        (" 12 ", 12),
        ("0", 0),
        ("007", 7),
        (0, 0),
        (98, 98),
        (12.0, 12),  # a whole number from an Excel cell
        (str(MAX_COUNT), MAX_COUNT),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_parse_count_accepts_whole_numbers(raw, expected):
    assert parse_count(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "mười hai",
        "12a",
        "-5",
        -5,
        "12,5",  # a decimal, Vietnamese style
        "12.5",
        12.5,
        "1,234",  # ambiguous: refused rather than guessed
        "1.2345",
        "+5",
        "1e3",
        "１２",  # full-width digits
        "²",
        True,
        float("nan"),
        float("inf"),
    ],
)
def test_parse_count_rejects_anything_else_in_vietnamese(raw):
    with pytest.raises(ValueError) as excinfo:
        parse_count(raw)
    assert str(excinfo.value) == NOT_WHOLE


@pytest.mark.parametrize(
    "raw",
    [MAX_COUNT + 1, str(MAX_COUNT + 1), "1.000.000.000.001", 1e20, "9" * 5000, 10**5000],
    ids=["int", "text", "grouped", "float", "5000-digit-text", "5000-digit-int"],
)
def test_parse_count_rejects_huge_numbers_in_vietnamese(raw):
    with pytest.raises(ValueError) as excinfo:
        parse_count(raw)
    assert str(excinfo.value) == TOO_BIG


def test_parse_count_leading_zeros_are_not_huge():
    assert parse_count("0" * 40 + "5") == 5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("83,32", Decimal("83.320")), ("83.32", Decimal("83.320")), ("", None), (None, None)],
)
def test_parse_score(raw, expected):
    assert parse_score(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "-1", "NaN", "Infinity", "100000"])
def test_parse_score_rejects(raw):
    with pytest.raises(ValueError, match="Điểm số không hợp lệ"):
        parse_score(raw)


# --- check_figures ------------------------------------------------------------------------------


def check(indicator, agency, period, **raw):
    return check_figures(
        Indicator.objects.get(code=indicator),
        Agency.objects.get(code=agency),
        Period.objects.get(code=period),
        raw,
    )


def test_a_good_rate(db):
    checked = check(
        "ho_so_dung_han", "STP", "2021-Q1", numerator="1.234", denominator="1.300", note="  ok "
    )
    assert checked.ok, checked.errors
    assert checked.figures == Figures(numerator=1234, denominator=1300, note="ok")


def test_nothing_to_report_is_allowed(db):
    checked = check("ho_so_dung_han", "30280", "2021-Q2", numerator="0", denominator="0")
    assert checked.ok
    assert (checked.figures.numerator, checked.figures.denominator) == (0, 0)


def test_equal_counts_are_allowed(db):
    assert check("ho_so_dung_han", "STP", "2021-Q1", numerator=50, denominator=50).ok


@pytest.mark.parametrize(
    ("numerator", "denominator", "field", "message"),
    [
        ("51", "50", "numerator", MESSAGES["num_gt_den"]),
        ("abc", "50", "numerator", NOT_WHOLE),
        ("-1", "50", "numerator", NOT_WHOLE),
        ("12,5", "50", "numerator", NOT_WHOLE),
        ("12", "50,5", "denominator", NOT_WHOLE),
        ("1", "99999999999999", "denominator", TOO_BIG),
        ("", "50", "numerator", MESSAGES["required"]),
        ("5", None, "denominator", MESSAGES["required"]),
    ],
)
def test_bad_rates_are_refused(db, numerator, denominator, field, message):
    checked = check(
        "ho_so_dung_han", "STP", "2021-Q1", numerator=numerator, denominator=denominator
    )
    assert not checked.ok
    assert checked.errors[field] == [message]


def test_a_parse_error_is_reported_once(db):
    checked = check("ho_so_dung_han", "STP", "2021-Q1", numerator="x", denominator="y")
    assert checked.errors == {"numerator": [NOT_WHOLE], "denominator": [NOT_WHOLE]}


def test_a_rate_takes_no_rank(db):
    checked = check("ho_so_dung_han", "STP", "2021-Q1", numerator=1, denominator=2, rank=3)
    assert checked.errors == {"rank": [MESSAGES["rate_not_rank"]]}
    checked = check("ho_so_dung_han", "STP", "2021-Q1", numerator=1, denominator=2, score="1")
    assert checked.errors == {"rank": [MESSAGES["rate_not_rank"]]}


@pytest.mark.parametrize("rank", ["1", "15", "63", 63])
def test_good_ranks(db, rank):
    checked = check("par_index", "89", "2021", rank=rank, score="81,54")
    assert checked.ok, checked.errors
    assert checked.figures.rank == int(rank)
    assert checked.figures.score == Decimal("81.540")


@pytest.mark.parametrize(
    ("rank", "message"),
    [
        ("0", MESSAGES["rank_range"]),
        ("64", MESSAGES["rank_range"]),
        ("-1", NOT_WHOLE),
        ("1,5", NOT_WHOLE),
        ("", MESSAGES["required"]),
    ],
)
def test_bad_ranks(db, rank, message):
    checked = check("papi", "89", "2021", rank=rank)
    assert checked.errors == {"rank": [message]}


def test_an_index_takes_no_counts(db):
    checked = check("pci", "89", "2021", rank="10", numerator="1", denominator="2")
    assert checked.errors == {"numerator": [MESSAGES["rank_not_rate"]]}


@pytest.mark.parametrize(
    ("indicator", "agency", "period"),
    [
        ("dvc_muc_do_4", "30280", "2021-Q1"),  # departments only
        ("dvc_muc_do_4", "883", "2021-Q1"),
        ("dvc_tich_hop", "89", "2021-Q1"),
        ("ho_so_dung_han", "89", "2021-Q1"),  # the province reports only the indices
        ("par_index", "STP", "2021"),
    ],
)
def test_the_agency_must_be_one_the_target_applies_to(db, indicator, agency, period):
    raw = {"rank": "10"} if indicator == "par_index" else {"numerator": "1", "denominator": "2"}
    checked = check(indicator, agency, period, **raw)
    unit = Agency.objects.get(code=agency)
    assert checked.errors == {
        "agency": [
            MESSAGES["not_applicable"].format(agency=unit.name, level=unit.get_level_display())
        ]
    }
    assert unit.name in checked.errors["agency"][0]


@pytest.mark.parametrize("agency", ["STP", "883", "30280"])
def test_an_indicator_split_by_level_applies_to_each_level(db, agency):
    assert check("van_ban_tren_mang", agency, "2021-Q3", numerator=1, denominator=2).ok


def test_the_period_must_belong_to_a_plan_year(db):
    Period.objects.create(
        code="2019-Q1",
        year=2019,
        quarter=1,
        start=datetime.date(2019, 1, 1),
        end=datetime.date(2019, 3, 31),
        deadline=datetime.date(2019, 4, 15),
    )
    checked = check("ho_so_dung_han", "STP", "2019-Q1", numerator=1, denominator=2)
    assert checked.errors == {"period": [MESSAGES["wrong_year"].format(period="Quý I/2019")]}


def test_indices_only_in_the_annual_period(db):
    checked = check("sipas", "89", "2021-Q2", rank="9")
    assert checked.errors == {"period": [MESSAGES["index_annual_only"]]}


def test_quarterly_figures_only_in_quarters(db):
    checked = check("ho_so_dung_han", "STP", "2021", numerator=1, denominator=2)
    assert checked.errors == {"period": [MESSAGES["quarter_only"]]}
    checked = check("dvc_muc_do_4", "STP", "2021", numerator=1, denominator=2)
    assert checked.errors == {"period": [MESSAGES["quarter_only"]]}


def test_every_problem_is_listed(db):
    checked = check("dvc_muc_do_4", "30280", "2021", numerator="9", denominator="abc", rank="0")
    assert set(checked.errors) == {"agency", "period", "denominator", "rank"}


# --- The database's own checks ------------------------------------------------------------------


def figure(indicator="ho_so_dung_han", agency="STP", period="2021-Q1", **values):
    return Measurement(
        indicator=Indicator.objects.get(code=indicator),
        agency=Agency.objects.get(code=agency),
        period=Period.objects.get(code=period),
        status=Measurement.Status.SUBMITTED,
        **values,
    )


BAD_VALUES = [
    pytest.param({"numerator": 51, "denominator": 50}, id="num>den"),
    pytest.param({"numerator": -1, "denominator": 50}, id="negative-num"),
    pytest.param({"numerator": -2, "denominator": -1}, id="negative-both"),
    pytest.param({"numerator": 1, "denominator": None}, id="no-den"),
    pytest.param({"numerator": 1, "denominator": 2, "rank": 3}, id="rate+rank"),
    pytest.param({"numerator": 1, "denominator": 2, "score": Decimal("1")}, id="rate+score"),
    pytest.param({}, id="nothing"),
]
BAD_RANKS = [
    pytest.param({"rank": 0}, id="rank0"),
    pytest.param({"rank": 64}, id="rank64"),
    pytest.param({"rank": 5, "numerator": 1, "denominator": 2}, id="rank+rate"),
]


@pytest.mark.parametrize("values", BAD_VALUES)
def test_database_refuses_bad_rates_on_create(db, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.create(
            indicator=Indicator.objects.get(code="ho_so_dung_han"),
            agency=Agency.objects.get(code="STP"),
            period=Period.objects.get(code="2021-Q1"),
            **values,
        )
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("values", BAD_RANKS)
def test_database_refuses_bad_ranks_on_create(db, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.create(
            indicator=Indicator.objects.get(code="par_index"),
            agency=Agency.objects.get(code="89"),
            period=Period.objects.get(code="2021"),
            **values,
        )
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("values", BAD_VALUES + BAD_RANKS)
def test_database_refuses_bad_values_in_bulk(db, values):
    good = figure(agency="SNV", numerator=1, denominator=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.bulk_create([good, figure(**values)])
    assert not Measurement.objects.exists()


def test_database_refuses_an_update_past_the_denominator(db):
    m = Measurement.objects.create(**vars_of(figure(numerator=1, denominator=2)))
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.filter(pk=m.pk).update(numerator=3)
    m.refresh_from_db()
    assert m.numerator == 1


def vars_of(m):
    return {
        "indicator": m.indicator,
        "agency": m.agency,
        "period": m.period,
        "numerator": m.numerator,
        "denominator": m.denominator,
        "status": m.status,
    }


def test_database_accepts_the_edges(db):
    Measurement.objects.bulk_create(
        [
            figure(agency="STP", numerator=0, denominator=0),
            figure(agency="SNV", numerator=50, denominator=50),
            figure(agency="SKHDT", numerator=MAX_COUNT, denominator=MAX_COUNT),
            figure("par_index", "89", "2021", rank=1, score=Decimal("99.999")),
            figure("papi", "89", "2021", rank=63),
        ]
    )
    assert Measurement.objects.count() == 5


def test_one_figure_per_indicator_agency_and_period(db):
    Measurement.objects.create(**vars_of(figure(numerator=1, denominator=2)))
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.create(**vars_of(figure(numerator=2, denominator=3)))
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.bulk_create([figure(numerator=1, denominator=2)])
    # Another period, agency or indicator is a different figure.
    Measurement.objects.bulk_create(
        [
            figure(period="2021-Q2", numerator=1, denominator=2),
            figure(agency="SNV", numerator=1, denominator=2),
            figure("hai_long_ket_qua", numerator=1, denominator=2),
        ]
    )
    assert Measurement.objects.count() == 4


# --- upsert_measurement -------------------------------------------------------------------------


def upsert(figures, status=Measurement.Status.SUBMITTED, **kwargs):
    return upsert_measurement(
        indicator=Indicator.objects.get(code="ho_so_dung_han"),
        agency=Agency.objects.get(code="STP"),
        period=Period.objects.get(code="2021-Q1"),
        figures=figures,
        status=status,
        **kwargs,
    )


def test_upsert_creates_then_leaves_an_identical_figure_alone(db, staff):
    m, changed = upsert(Figures(numerator=98, denominator=100), user=staff)
    assert changed and m.version == 1 and m.entered_by == staff
    assert m.history.count() == 1
    again, changed = upsert(Figures(numerator=98, denominator=100), user=staff)
    assert not changed
    again.refresh_from_db()
    assert again.pk == m.pk and again.version == 1
    assert again.history.count() == 1


def test_upsert_new_values_or_status_make_a_new_version(db):
    m, _ = upsert(Figures(numerator=98, denominator=100))
    m, changed = upsert(Figures(numerator=99, denominator=100))
    assert changed and m.version == 2
    m, changed = upsert(Figures(numerator=99, denominator=100), status="approved")
    assert changed and m.version == 3
    m.refresh_from_db()
    assert (m.numerator, m.status, m.history.count()) == (99, "approved", 3)
    assert [h.numerator for h in m.history.order_by("history_date")] == [98, 99, 99]


def test_a_real_figure_replaces_a_demo_one(db):
    m, _ = upsert(Figures(numerator=98, denominator=100), is_demo=True)
    assert m.is_demo
    m, changed = upsert(Figures(numerator=98, denominator=100))
    assert changed
    m.refresh_from_db()
    assert not m.is_demo and m.version == 2
