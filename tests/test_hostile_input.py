"""Hostile input everywhere a person can type (issue #8), generated with hypothesis: arbitrary
text (control characters, NUL, right-to-left marks, emoji, very long strings), huge and odd
numbers, HTML and JavaScript, in every form field, filter, URL code and import column.

For every answer: no server error, nothing written when the input is refused (figures and
their history compared before and after), and anything echoed back escaped.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.import_files import COLUMNS, ImportFileError, read_table
from indicators.imports import apply_import, plan_import
from indicators.models import Measurement

Q2 = "2021-Q2"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
NASTY = [
    SCRIPT,
    IMG,
    "10" + "0" * 29,
    "-1",
    "-0",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "1.234,5",
    "1,5",
    "١٢٣",  # Arabic-Indic digits
    "²",  # a digit to str.isdigit(), not to int()
    "٣٤",
    "0x1F",
    "1_000",
    " 12 ",
    "\x00",
    "9\x00",
    "a\x00b",
    "\u202eRTL\u202c",
    "😀" * 3,
    "x" * 5000,
    "9" * 400,
    "%00",
    "../../etc/passwd",
    "' OR 1=1 --",
    "2021-Q2",
    "STP",
    "",
]
HOSTILE = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.builds(lambda a, b: a + b, st.sampled_from([SCRIPT, IMG]), st.text(max_size=5)),
)
FAST = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def snapshot():
    """Every figure and history row, to compare before and after a refused request."""
    figures = list(
        Measurement.objects.order_by("pk").values_list(
            "pk", "numerator", "denominator", "rank", "score", "note", "status", "version"
        )
    )
    return figures, Measurement.history.count()


def assert_safe(response, *, wrote_allowed: bool = False, before=None):
    """No server error; hostile markup never comes back unescaped."""
    assert response.status_code < 500
    body = response.content.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("text/html"):
        assert "<script>alert(1)" not in body
        assert "<img src=x onerror" not in body
    if before is not None and not wrote_allowed:
        assert snapshot() == before


# --- Entry form, live check, grid, review, evidence ---------------------------------------------


FIGURE_FIELDS = ["numerator", "denominator", "note", "rank", "score", "version"]


@FAST
@given(
    field=st.sampled_from(FIGURE_FIELDS), value=HOSTILE, action=st.sampled_from(["save", "submit"])
)
def test_entry_form(client, officer_a, measure, field, value, action):
    client.force_login(officer_a)
    data = {
        "action": action,
        "ho_so_dung_han-numerator": "90",
        "ho_so_dung_han-denominator": "100",
        f"ho_so_dung_han-{field}": value,
    }
    before = snapshot()
    response = client.post(reverse("entry-form", args=[Q2, "STP"]), data)
    # a redirect means the figures were valid and saved; any other answer wrote nothing
    assert_safe(response, wrote_allowed=response.status_code == 302, before=before)


@FAST
@given(field=st.sampled_from([*FIGURE_FIELDS, "indicator"]), value=HOSTILE)
def test_entry_live_check_writes_nothing(client, officer_a, field, value):
    client.force_login(officer_a)
    data = {"indicator": "ho_so_dung_han", f"ho_so_dung_han-{field}": value, field: value}
    before = snapshot()
    response = client.post(
        reverse("entry-check", args=[Q2, "STP"]), data, headers={"HX-Request": "true"}
    )
    assert_safe(response, before=before)


@FAST
@given(
    field=st.sampled_from(["numerator", "denominator", "note", "version"]),
    value=HOSTILE,
    level=st.one_of(st.just("tinh"), HOSTILE),
    district=st.one_of(st.just(""), HOSTILE),
)
def test_grid_save_and_row(client, staff, field, value, level, district):
    client.force_login(staff)
    url = reverse("entry-grid", args=[Q2, "ho_so_dung_han"])
    query = {"level": level, "district": district}
    data = {"STP-numerator": "90", "STP-denominator": "100", f"STP-{field}": value}
    before = snapshot()
    response = client.post(url + "?" + _encode(query), data)
    assert_safe(response, wrote_allowed=response.status_code == 302, before=before)
    before = snapshot()
    row = reverse("grid-row", args=[Q2, "ho_so_dung_han", "STP"])
    response = client.post(row + "?" + _encode(query), data, headers={"HX-Request": "true"})
    saved = "Đã lưu" in response.content.decode() or response.status_code == 302
    assert_safe(response, wrote_allowed=saved, before=before)


@FAST
@given(
    field=st.sampled_from(["action", "reason", "version"]),
    value=HOSTILE,
)
def test_review(client, staff, measure, field, value):
    m = Measurement.objects.filter(agency__code="STP").first() or measure(
        "ho_so_dung_han", "STP", Q2, 90, 100
    )
    client.force_login(staff)
    data = {"action": "return", "reason": "Thiếu số liệu", "version": str(m.version)}
    data[field] = value
    before = snapshot()
    response = client.post(reverse("measurement-review", args=[m.pk]), data)
    assert_safe(response, wrote_allowed=response.status_code == 302, before=before)


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@FAST
@given(name=HOSTILE, extra=HOSTILE)
def test_evidence_upload_names_and_fields(client, officer_a, measure, name, extra):
    m = Measurement.objects.filter(agency__code="STP").first() or measure(
        "ho_so_dung_han", "STP", Q2, 90, 100, status="draft"
    )
    client.force_login(officer_a)
    upload = SimpleUploadedFile((name or "x")[:200] + ".pdf", PDF)
    response = client.post(
        reverse("evidence-upload", args=[m.pk]), {"file": upload, "description": extra}
    )
    assert_safe(response)
    if response.status_code == 302:
        page = client.get(reverse("measurement-detail", args=[m.pk]))
        assert_safe(page)


# --- Filters: dashboards, report, history, completeness, entry start, template ------------------

DASHBOARD_PARAMS = ["period", "mode", "level", "district", "sort", "csv", "page"]


@FAST
@given(
    page=st.sampled_from(["home", "dashboard-district", "dashboard-heatmap"]),
    param=st.sampled_from(DASHBOARD_PARAMS),
    value=HOSTILE,
)
def test_dashboard_filters(client, leader, page, param, value):
    client.force_login(leader)
    assert_safe(client.get(reverse(page), {param: value}))


@FAST
@given(
    page=st.sampled_from(["dashboard-target", "dashboard-agency"]),
    code=HOSTILE,
    param=st.sampled_from(DASHBOARD_PARAMS),
    value=HOSTILE,
)
def test_dashboard_codes_in_the_url(client, leader, page, code, param, value):
    client.force_login(leader)
    code = code.replace("/", "") or "x"
    try:
        url = reverse(page, args=[code])
    except Exception:  # a code the URL pattern cannot hold is not a request anyone can make
        return
    assert_safe(client.get(url, {param: value}))


@FAST
@given(
    url=st.sampled_from(["report", "report-excel"]),
    param=st.sampled_from(["period", "scope", "annex"]),
    value=HOSTILE,
)
def test_report_options(client, committee, url, param, value):
    client.force_login(committee)
    assert_safe(client.get(reverse(url), {param: value}))


@FAST
@given(
    url=st.sampled_from(
        ["entry-history", "completeness", "completeness-xlsx", "entry-start", "excel-template"]
    ),
    param=st.sampled_from(
        ["agency", "period", "page", "level", "district", "chua_gui", "cho_duyet", "q"]
    ),
    value=HOSTILE,
)
def test_entry_section_filters(client, staff, url, param, value):
    client.force_login(staff)
    params = {"period": Q2, "level": "tinh"} if url == "excel-template" else {}
    params[param] = value
    assert_safe(client.get(reverse(url), params))


@FAST
@given(period=HOSTILE, agency=HOSTILE, indicator=HOSTILE)
def test_entry_codes_in_the_url(client, staff, period, agency, indicator):
    client.force_login(staff)
    period, agency, indicator = (v.replace("/", "") or "x" for v in (period, agency, indicator))
    for name, args in (
        ("entry-form", [period, agency]),
        ("entry-grid", [period, "ho_so_dung_han"]),
        ("entry-grid", [Q2, indicator]),
    ):
        try:
            url = reverse(name, args=args)
        except Exception:  # not a URL of ours (e.g. a slug with spaces)
            continue
        assert_safe(client.get(url))


# --- Import columns: the reader and the browser upload ------------------------------------------

GOOD = {
    "period": Q2,
    "agency_code": "STP",
    "indicator_code": "ho_so_dung_han",
    "numerator": "90",
    "denominator": "100",
    "value": "",
    "note": "",
    "score": "",
}


def _csv(row: dict) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*COLUMNS, "score"])
    writer.writerow([row[c] for c in [*COLUMNS, "score"]])
    return buffer.getvalue().encode("utf-8")


@FAST
@given(column=st.sampled_from([*COLUMNS, "score"]), value=HOSTILE)
def test_import_columns(db, column, value):
    row = {**GOOD, column: value}
    before = snapshot()
    try:
        plan = plan_import(read_table(_csv(row), "a.csv", 10))
    except ImportFileError:
        assert snapshot() == before
        return
    if plan.ok:
        apply_import(plan)
    else:
        assert snapshot() == before
        for error in plan.errors:
            assert len(str(error)) < 1000  # a whole cell is never repeated back at length


@FAST
@given(column=st.sampled_from([*COLUMNS, "score"]), value=HOSTILE)
def test_import_columns_through_the_browser(client, officer_a, column, value):
    client.force_login(officer_a)
    row = {**GOOD, column: value}
    before = snapshot()
    response = client.post(
        reverse("excel-upload"), {"file": SimpleUploadedFile("so-lieu.csv", _csv(row))}
    )
    assert_safe(response, before=before)  # the preview writes nothing


def _encode(query: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


# --- The same, every field once with the values most likely to break things ---------------------

SWEEP = ["1\x00", SCRIPT + IMG, "²"]
LONG_DIGITS = "9" * 5000


def test_sweep_every_field_with_nul_markup_and_odd_digits(client, staff, officer_a, measure):
    """Hypothesis samples a few values per run; this walks every field with the three values
    that found server errors before (NUL, markup, a digit ``int()`` refuses)."""
    m = measure("ho_so_dung_han", "STP", Q2, 90, 100, status="draft")
    measure("van_ban_tren_mang", "STP", Q2, 5, 10, status="submitted")  # for "approve all"
    for value in SWEEP:
        client.force_login(officer_a)
        for field in FIGURE_FIELDS:
            before = snapshot()
            data = {"action": "save", f"ho_so_dung_han-{field}": value}
            response = client.post(reverse("entry-form", args=[Q2, "STP"]), data)
            assert_safe(response, before=before)
            response = client.post(
                reverse("entry-check", args=[Q2, "STP"]),
                {"indicator": "ho_so_dung_han", f"ho_so_dung_han-{field}": value},
            )
            assert_safe(response, before=before)
        for column in [*COLUMNS, "score"]:
            response = client.post(
                reverse("excel-upload"),
                {"file": SimpleUploadedFile("a.csv", _csv({**GOOD, column: value}))},
            )
            assert_safe(response, before=before)
        upload = SimpleUploadedFile(value + ".pdf", PDF)
        assert_safe(client.post(reverse("evidence-upload", args=[m.pk]), {"file": upload}))
        client.force_login(staff)
        for field in ["action", "reason", "version"]:
            data = {"action": "return", "reason": "Thiếu", "version": "1", field: value}
            before = snapshot()
            response = client.post(reverse("measurement-review", args=[m.pk]), data)
            assert_safe(response, before=before)
        for field in ["numerator", "denominator", "note", "version"]:
            url = reverse("entry-grid", args=[Q2, "ho_so_dung_han"]) + "?level=tinh"
            before = snapshot()
            assert_safe(client.post(url, {f"STP-{field}": value}), before=before)
        for version in (value, LONG_DIGITS):
            data = {"action": "approve_all", "van_ban_tren_mang-version": version}
            assert_safe(client.post(reverse("entry-form", args=[Q2, "STP"]), data))
        for name, params in (
            ("home", DASHBOARD_PARAMS),
            ("dashboard-district", DASHBOARD_PARAMS),
            ("dashboard-heatmap", DASHBOARD_PARAMS),
            ("report", ["period", "scope", "annex"]),
            ("entry-history", ["agency", "period", "page"]),
            ("completeness", ["period", "level", "district", "chua_gui", "cho_duyet"]),
            ("entry-start", ["period", "q", "level"]),
            ("excel-template", ["period", "level", "agency"]),
        ):
            for param in params:
                assert_safe(client.get(reverse(name), {param: value}))
        code = quote(value, safe="")
        for url in (
            f"/nhap-lieu/{code}/STP/",
            f"/nhap-lieu/{Q2}/{code}/",
            f"/nhap-lieu/bang/{code}/ho_so_dung_han/",
            f"/nhap-lieu/bang/{Q2}/ho_so_dung_han/{code}/",
            f"/don-vi/{code}/",
            f"/chi-tieu/{code}/",
        ):
            assert_safe(client.get(url))


def test_control_characters_are_refused_with_a_message(client, officer_a):
    """A note with a BEL (\\x07) used to be saved, and then every Excel file holding it failed
    (openpyxl refuses control characters): now the field says what is wrong."""
    client.force_login(officer_a)
    data = {
        "action": "save",
        "ho_so_dung_han-numerator": "90",
        "ho_so_dung_han-denominator": "100",
        "ho_so_dung_han-note": "ghi\x07chú",
    }
    response = client.post(reverse("entry-form", args=[Q2, "STP"]), data)
    assert response.status_code == 200
    assert "Có ký tự điều khiển không hợp lệ" in response.content.decode()
    assert not Measurement.objects.exists()
    data["ho_so_dung_han-note"] = "dòng 1\r\n\tdòng 2"  # line breaks and tabs are fine
    response = client.post(reverse("entry-form", args=[Q2, "STP"]), data)
    assert response.status_code == 302
    assert Measurement.objects.get().note == "dòng 1\r\n\tdòng 2"
    template = client.get(reverse("excel-template"), {"period": Q2, "agency": "STP"})
    assert template.status_code == 200
