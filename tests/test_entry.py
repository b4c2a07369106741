"""The entry form for one agency and one period (issue #4), as each role, with and without htmx."""

import pytest
from django.test import Client
from django.urls import reverse

from indicators import roles
from indicators.models import Agency, Measurement, Period
from tests.conftest import make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Personas are created per test; a fast hasher keeps the suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


Q2 = "2021-Q2"


def url(agency="STP", period=Q2):
    return reverse("entry-form", args=[period, agency])


def figures(prefix="ho_so_dung_han", numerator="98", denominator="100", note="", version=""):
    return {
        f"{prefix}-numerator": numerator,
        f"{prefix}-denominator": denominator,
        f"{prefix}-note": note,
        f"{prefix}-version": version,
    }


def saved(agency="STP", indicator="ho_so_dung_han", period=Q2):
    return Measurement.objects.filter(
        agency__code=agency, indicator__code=indicator, period__code=period
    ).first()


@pytest.fixture
def district_officer(db):
    """Cán bộ of Phòng Nội vụ, Thành phố Long Xuyên (district 883)."""
    return make_user("canbo.longxuyen", roles.OFFICER, "883")


# --- Who sees what ------------------------------------------------------------------------------


def test_start_page_lists_agencies_for_staff_with_search(client, staff):
    client.force_login(staff)
    page = client.get(reverse("entry-start"), {"q": "Mỹ Bình", "period": Q2}).content.decode()
    assert "Phường Mỹ Bình" in page and "Sở Tư pháp" not in page
    page = client.get(reverse("entry-start"), {"q": "STP"}).content.decode()
    assert "Sở Tư pháp" in page


def test_start_page_search_htmx_returns_only_the_list(client, staff):
    client.force_login(staff)
    response = client.get(reverse("entry-start"), {"q": "30280"}, **HTMX)
    page = response.content.decode()
    assert 'id="agency-list"' in page and "<html" not in page and "Phường Mỹ Bình" in page


def test_officer_start_page_shows_only_own_agency(client, officer_a):
    client.force_login(officer_a)
    page = client.get(reverse("entry-start")).content.decode()
    assert "Sở Tư pháp" in page and "Phường Mỹ Bình" not in page and ">SNV<" not in page


def test_form_lists_indicators_with_labels_in_words(client, officer_a):
    client.force_login(officer_a)
    response = client.get(url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Số hồ sơ TTHC trả kết quả đúng hạn" in page
    assert "Tổng số hồ sơ TTHC đã giải quyết" in page
    assert "Cải cách thủ tục hành chính" in page  # grouped by focus area
    assert "Lưu nháp" in page and "Gửi" in page
    assert "PAR Index" not in page  # indices only for the province in the year


def test_commune_form_lists_only_commune_indicators(client, officer_b):
    client.force_login(officer_b)
    page = client.get(url("30280")).content.decode()
    assert "Hồ sơ công việc" not in page or "60%" in page
    assert "DVC trực tuyến mức độ 4" not in page  # provincial only


def test_officer_cannot_see_another_agency(client, officer_a, officer_b):
    client.force_login(officer_a)
    assert client.get(url("30280")).status_code == 404
    assert client.post(url("30280"), {**figures(), "action": "save"}).status_code == 404
    client.force_login(officer_b)
    assert client.get(url("STP")).status_code == 404


def test_unknown_period_or_agency_is_404(client, staff):
    client.force_login(staff)
    assert client.get(url("STP", "2099-Q9")).status_code == 404
    assert client.get(url("KHONGCO")).status_code == 404


@pytest.mark.parametrize("persona", ["leader", "committee"])
def test_viewers_may_read_but_not_post(client, request, persona, measure):
    user = request.getfixturevalue(persona)
    measure("ho_so_dung_han", "STP", Q2, 90, 100)
    client.force_login(user)
    response = client.get(url())
    assert response.status_code == 200
    assert "Lưu nháp" not in response.content.decode()
    assert client.post(url(), {**figures(), "action": "save"}).status_code == 403
    assert client.post(url(), {**figures(), "action": "save"}, **HTMX).status_code == 403
    assert client.post(url(), {"action": "approve_all"}).status_code == 403
    assert saved().numerator == 90


def test_user_without_role_gets_403(client, db):
    user = make_user("khongvaitro")
    client.force_login(user)
    assert client.get(reverse("entry-start")).status_code == 403
    assert client.get(url()).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(url())
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


def test_district_officer_enters_for_its_communes_only(client, district_officer):
    client.force_login(district_officer)
    response = client.post(url("30280"), {**figures(), "action": "submit"})
    assert response.status_code == 302
    assert saved("30280").status == Measurement.Status.SUBMITTED
    assert client.get(url("883")).status_code == 200
    assert client.get(url("STP")).status_code == 404
    # a commune of another district
    other = Agency.objects.filter(level="xa").exclude(parent__code="883").first()
    assert client.get(url(other.code)).status_code == 404


# --- Saving and submitting ----------------------------------------------------------------------


def test_save_draft_then_submit_without_htmx(client, officer_a):
    client.force_login(officer_a)
    response = client.post(url(), {**figures(), "action": "save"})
    assert response.status_code == 302 and response["Location"] == url()
    m = saved()
    assert (m.numerator, m.denominator, m.status, m.entered_by) == (98, 100, "draft", officer_a)
    page = client.get(url()).content.decode()
    assert "Đã lưu nháp" in page and "Nháp" in page
    response = client.post(url(), {**figures(version=m.version), "action": "submit"})
    assert response.status_code == 302
    assert saved().status == "submitted"


def test_save_with_htmx_rerenders_the_sheet(client, officer_a):
    client.force_login(officer_a)
    response = client.post(
        url(), {**figures("ho_so_dung_han", "1.234", "1.300"), "action": "save"}, **HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page and 'id="entry-sheet"' in page
    assert "Đã lưu nháp" in page
    assert saved().numerator == 1234
    assert "94,9%" in page  # 1234/1300 = 94.92 → rounded down


def test_saving_a_draft_does_not_withdraw_a_submitted_figure(client, officer_a, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(officer_a)
    client.post(url(), {**figures(version=m.version), "action": "save"})
    assert saved().status == "submitted" and saved().version == m.version


def test_nothing_to_submit_is_said(client, officer_a):
    client.force_login(officer_a)
    page = client.post(url(), {"action": "submit"}).content.decode()
    assert "Chưa nhập số liệu nào" in page
    assert not Measurement.objects.exists()


def test_unknown_action_is_400(client, officer_a):
    client.force_login(officer_a)
    assert client.post(url(), {**figures(), "action": "xoa"}).status_code == 400


# --- Bad input ----------------------------------------------------------------------------------

BAD = [
    ({"numerator": "abc"}, "numerator", "không nhập chữ"),
    ({"numerator": "-5"}, "numerator", "số âm"),
    ({"numerator": "2,5"}, "numerator", "số thập phân"),
    ({"numerator": "101", "denominator": "100"}, "numerator", "Tử số không được lớn hơn mẫu số"),
    ({"denominator": "99999999999999999999"}, "denominator", "Số quá lớn"),
    ({"denominator": ""}, "denominator", "Vui lòng nhập số liệu"),
]


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(("values", "field", "message"), BAD)
def test_bad_counts_get_vietnamese_messages_and_keep_other_entries(
    client, officer_a, values, field, message, htmx
):
    client.force_login(officer_a)
    data = {**figures(), **figures("hai_long_ket_qua", "40", "50"), "action": "submit"}
    data.update({f"ho_so_dung_han-{k}": v for k, v in values.items()})
    response = client.post(url(), data, **(HTMX if htmx else {}))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'id="err-ho_so_dung_han-{field}"' in page
    assert 'value="40"' in page and 'value="50"' in page  # the other row is kept
    assert not Measurement.objects.exists()  # nothing written, not even the good row


def test_index_rank_0_or_64_is_refused(client, staff):
    client.force_login(staff)
    province = reverse("entry-form", args=["2021", "89"])
    page = client.get(province).content.decode()
    assert "PAR Index" in page and "Thứ hạng (1–63)" in page
    for rank in ("0", "64"):
        response = client.post(province, {"par_index-rank": rank, "action": "save"})
        assert "Thứ hạng phải là số nguyên từ 1 đến 63" in response.content.decode()
    assert not Measurement.objects.exists()
    response = client.post(
        province, {"par_index-rank": "12", "par_index-score": "83,32", "action": "submit"}
    )
    assert response.status_code == 302
    m = saved("89", "par_index", "2021")
    assert (m.rank, str(m.score), m.status) == (12, "83.320", "submitted")


def test_quarter_form_for_the_province_says_indices_are_annual(client, staff):
    client.force_login(staff)
    page = client.get(url("89")).content.decode()
    assert "Không có chỉ tiêu nào" in page


def test_sharp_change_needs_a_note_before_submitting(client, officer_a, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 95, 100)
    client.force_login(officer_a)
    page = client.get(url()).content.decode()
    assert "Kỳ trước: 95,0%" in page and "Kỳ trước: 100" in page  # last quarter beside the row
    page = client.post(
        url(), {**figures("ho_so_dung_han", "50", "100"), "action": "submit"}
    ).content.decode()
    assert "vui lòng ghi giải trình" in page
    assert saved() is None
    # a draft may be saved without a note
    assert (
        client.post(url(), {**figures("ho_so_dung_han", "50", "100"), "action": "save"}).status_code
        == 302
    )
    response = client.post(
        url(),
        {
            **figures(
                "ho_so_dung_han", "50", "100", note="Sập hệ thống một cửa", version=saved().version
            ),
            "action": "submit",
        },
    )
    assert response.status_code == 302 and saved().status == "submitted"


def test_clearing_a_saved_figure_is_refused(client, officer_a, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100, status="draft")
    client.force_login(officer_a)
    page = client.post(
        url(), {**figures(numerator="", denominator="", version=m.version), "action": "save"}
    ).content.decode()
    assert "Không thể xóa số liệu đã nhập" in page


# --- Live check (htmx) ----------------------------------------------------------------------------


def check(client, data, agency="STP"):
    return client.post(reverse("entry-check", args=[Q2, agency]), data, **HTMX)


def test_live_check_shows_rate_and_status(client, officer_a):
    client.force_login(officer_a)
    page = check(
        client, {"indicator": "ho_so_dung_han", **figures("ho_so_dung_han", "97", "100")}
    ).content.decode()
    assert "97,0%" in page and "Gần đạt" in page
    page = check(
        client, {"indicator": "ho_so_dung_han", **figures("ho_so_dung_han", "1.960", "2.000")}
    ).content.decode()
    assert "98,0%" in page and "Đạt" in page
    assert not Measurement.objects.exists()


def test_live_check_puts_errors_beside_fields_but_not_missing_while_typing(client, officer_a):
    client.force_login(officer_a)
    page = check(
        client, {"indicator": "ho_so_dung_han", **figures("ho_so_dung_han", "12a", "")}
    ).content.decode()
    assert 'id="err-ho_so_dung_han-numerator" data-hx-swap-oob="true"' in page
    assert "không nhập chữ" in page
    assert "Vui lòng nhập số liệu" not in page


def test_live_check_access(client, officer_a, leader):
    client.force_login(officer_a)
    assert check(client, {"indicator": "ho_so_dung_han"}, agency="30280").status_code == 404
    assert check(client, {"indicator": "khong_co"}).status_code == 400
    client.force_login(leader)
    assert check(client, {"indicator": "ho_so_dung_han"}).status_code == 403


def test_csrf_token_is_required(officer_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer_a)
    assert client.post(url(), {**figures(), "action": "save"}).status_code == 403
    forged = {**figures(), "action": "save", "csrfmiddlewaretoken": "x" * 64}
    assert client.post(url(), forged).status_code == 403
    assert (
        client.post(
            reverse("entry-check", args=[Q2, "STP"]), {"indicator": "ho_so_dung_han"}, **HTMX
        ).status_code
        == 403
    )
    assert not Measurement.objects.exists()


def test_locked_period_refuses_entry(client, officer_a):
    Period.objects.filter(code=Q2).update(locked=True)
    client.force_login(officer_a)
    page = client.get(url()).content.decode()
    assert "đã khóa sổ" in page and "disabled" in page
    page = client.post(url(), {**figures(), "action": "save"}).content.decode()
    assert "đã khóa sổ" in page
    assert not Measurement.objects.exists()


def test_entry_form_query_count_is_bounded(client, staff, measure, django_assert_max_num_queries):
    for indicator in ("ho_so_dung_han", "hai_long_ket_qua", "dvc_muc_do_4"):
        measure(indicator, "STP", Q2, 9, 10)
        measure(indicator, "STP", "2021-Q1", 9, 10)
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        assert client.get(url()).status_code == 200


def test_live_check_field_is_marked_invalid_by_script():
    """The page script marks fields invalid after a live check (checked in the browser test)."""
    from pathlib import Path

    script = (Path(__file__).parent.parent / "static/js/entry.js").read_text()
    assert "aria-invalid" in script and "htmx:afterSettle" in script


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("entry-start", []),
        ("entry-form", [Q2, "STP"]),
        ("entry-check", [Q2, "STP"]),
        ("entry-grid", [Q2, "ho_so_dung_han"]),
        ("grid-row", [Q2, "ho_so_dung_han", "30280"]),
        ("measurement-detail", [1]),
        ("measurement-review", [1]),
        ("evidence-upload", [1]),
        ("evidence-download", [1]),
        ("evidence-delete", [1]),
        ("entry-history", []),
        ("completeness", []),
        ("completeness-xlsx", []),
        ("excel-home", []),
        ("excel-template", []),
        ("excel-upload", []),
        ("excel-confirm", []),
    ],
)
def test_every_entry_url_needs_a_login(client, db, name, args):
    for method in (client.get, client.post):
        response = method(reverse(name, args=args))
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_correcting_a_submitted_figure_keeps_it_submitted(client, officer_a, measure):
    """A changed sent figure is a correction, sent again: "Lưu nháp" does not withdraw it."""
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(officer_a)
    client.post(url(), {**figures(numerator="97", version=m.version), "action": "save"})
    after = saved()
    assert (after.numerator, after.status, after.version) == (97, "submitted", m.version + 1)


def test_saving_a_corrected_sent_figure_with_a_sharp_change_needs_a_note(
    client, officer_a, measure
):
    """A correction of a sent figure is sent again: it needs the same explanation as a
    submission, whichever button is pressed."""
    measure("ho_so_dung_han", "STP", "2021-Q1", 95, 100)
    m = measure("ho_so_dung_han", "STP", Q2, 96, 100)
    client.force_login(officer_a)
    data = {**figures(numerator="50", denominator="100", version=m.version), "action": "save"}
    page = client.post(url(), data).content.decode()
    assert "vui lòng ghi giải trình" in page
    assert saved().numerator == 96
    data["ho_so_dung_han-note"] = "Sập hệ thống một cửa"
    response = client.post(url(), data, follow=True)
    assert "Đã gửi lại 1 số liệu đã gửi" in response.content.decode()
    assert (saved().numerator, saved().status) == (50, "submitted")


def test_an_untouched_sent_figure_is_not_checked_again_on_submit(client, officer_a, measure):
    """A sent figure with a sharp change and no note (imported) does not block the sheet."""
    measure("ho_so_dung_han", "STP", "2021-Q1", 95, 100)
    m = measure("ho_so_dung_han", "STP", Q2, 50, 100)
    client.force_login(officer_a)
    data = {
        **figures(numerator="50", denominator="100", version=m.version),
        **figures("hai_long_ket_qua", "40", "50"),
        "action": "submit",
    }
    response = client.post(url(), data)
    assert response.status_code == 302
    assert saved(indicator="hai_long_ket_qua").status == "submitted"
    assert saved().version == m.version


def test_the_sheet_lists_indicators_still_empty_before_and_after_submitting(
    client, officer_a, measure
):
    """Submitting a partial sheet is allowed; the page says what is still missing."""
    measure("ho_so_dung_han", "STP", Q2, 98, 100, status="draft")
    client.force_login(officer_a)
    response = client.get(url())
    rows = response.context["rows"]
    total = len(rows)
    assert total > 3
    page = response.content.decode()
    assert f"<span data-missing-count>{total - 1}</span>/{total} chỉ tiêu chưa nhập" in page
    assert "Vẫn có thể gửi các chỉ tiêu đã nhập" in page
    names = [r.indicator.short_name for r in rows if r.indicator.code != "ho_so_dung_han"]
    assert all(f">{name}</li>" in page for name in names)

    data = {**figures(version="1"), **figures("hai_long_ket_qua", "40", "50"), "action": "submit"}
    page = client.post(url(), data, follow=True).content.decode()
    missing = "; ".join(n for n in names if n != rows[1].indicator.short_name)
    assert f"Đã gửi 2 số liệu tới Sở Nội vụ. Còn {total - 2}/{total} chỉ tiêu chưa nhập:" in page
    assert rows[1].indicator.code == "hai_long_ket_qua" and missing in page


def test_messages_count_only_the_figures_that_changed(client, officer_a, measure):
    versions = {}
    for code in ("ho_so_dung_han", "hai_long_ket_qua", "dvc_muc_do_4"):
        versions[code] = measure(code, "STP", Q2, 40, 50).version
    client.force_login(officer_a)

    def post(action, **changes):
        data = {"action": action}
        for code, version in versions.items():
            data.update(figures(code, changes.get(code, "40"), "50", version=version))
        return client.post(url(), data, follow=True).content.decode()

    page = post("submit", ho_so_dung_han="41")
    assert "Đã gửi 1 số liệu tới Sở Nội vụ." in page and "Đã gửi 3" not in page
    versions["ho_so_dung_han"] += 1
    assert "Không có số liệu nào thay đổi." in post("submit", ho_so_dung_han="41")
    assert "Không có số liệu nào thay đổi." in post("save", ho_so_dung_han="41")
    page = post("save", ho_so_dung_han="42")
    assert "Đã gửi lại 1 số liệu đã gửi, với số liệu đã sửa, tới Sở Nội vụ." in page
    assert "Đã lưu nháp" not in page


def test_entries_save_reports_each_outcome(officer_a, measure):
    from indicators import workflow
    from indicators.measurements import Figures
    from targets.models import Indicator

    sent = measure("ho_so_dung_han", "STP", Q2, 40, 50)
    draft = measure("hai_long_ket_qua", "STP", Q2, 40, 50, status="draft")
    ind = {i.code: i for i in Indicator.objects.all()}
    entries = [
        workflow.Entry(ind["ho_so_dung_han"], Figures(41, 50), sent.version),
        workflow.Entry(ind["hai_long_ket_qua"], Figures(40, 50), draft.version),
        workflow.Entry(ind["dvc_muc_do_4"], Figures(1, 2), None),
    ]
    result = workflow.entries_save(
        entries=entries, agency=sent.agency, period=sent.period, submit=False, user=officer_a
    )
    assert result.outcomes == {
        "ho_so_dung_han": workflow.RESENT,
        "hai_long_ket_qua": workflow.UNCHANGED,
        "dvc_muc_do_4": workflow.SAVED,
    }
    assert (result.changed, result.problems) == (2, {})
    entries[1] = workflow.Entry(ind["hai_long_ket_qua"], Figures(40, 50), draft.version)
    entries[0] = workflow.Entry(ind["ho_so_dung_han"], Figures(42, 50), sent.version)  # stale
    result = workflow.entries_save(
        entries=entries, agency=sent.agency, period=sent.period, submit=True, user=officer_a
    )
    assert list(result.problems) == ["ho_so_dung_han"] and result.outcomes == {}
    draft.refresh_from_db()
    assert draft.status == "draft"  # all or nothing
