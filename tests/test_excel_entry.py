"""Excel round trip in the browser and evidence files (issue #4)."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from indicators.models import Agency, Evidence, Measurement, Period
from targets.models import Indicator

Q2 = "2021-Q2"


@pytest.fixture(autouse=True)
def fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def download(client, **params):
    return client.get(reverse("excel-template"), {"period": Q2, **params})


def xlsx(rows, header=None):
    book = Workbook()
    sheet = book.active
    sheet.append(
        header
        or [
            "period",
            "agency_code",
            "indicator_code",
            "numerator",
            "denominator",
            "value",
            "note",
            "score",
        ]
    )
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content, name="so-lieu.xlsx", submit=False):
    data = {"file": SimpleUploadedFile(name, content)}
    if submit:
        data["submit"] = "on"
    return client.post(reverse("excel-upload"), data)


def confirm(client, response, **extra):
    """Post the preview's confirm form as the page has it (its token and the choice made)."""
    data = {"token": response.context["token"], "submit": response.context["plan"].submit}
    return client.post(reverse("excel-confirm"), {**data, **extra})


def test_template_is_prefilled(client, officer_a, measure):
    measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(officer_a)
    response = download(client, agency="STP")
    assert (
        response.status_code == 200
        and "mau-nhap-2021-Q2-STP.xlsx" in response["Content-Disposition"]
    )
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:8] == (
        "period",
        "agency_code",
        "indicator_code",
        "numerator",
        "denominator",
        "value",
        "note",
        "score",
    )
    first = rows[1]
    assert first[:5] == ("2021-Q2", "STP", "ho_so_dung_han", 98, 100)
    assert "Sở Tư pháp" in first and "Số hồ sơ TTHC trả kết quả đúng hạn" in first
    assert len(rows) == 1 + 8


def test_template_by_level_and_access(client, staff, officer_a):
    client.force_login(staff)
    rows = list(
        load_workbook(io.BytesIO(download(client, level="xa").content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert len(rows) == 1 + 156 * 5
    client.force_login(officer_a)
    assert download(client, agency="30280").status_code == 404
    assert download(client).status_code == 400  # neither level nor agency


def test_upload_preview_confirm_and_same_file_twice(client, officer_a, measure):
    measure("ho_so_dung_han", "STP", Q2, 90, 100, status="draft")
    client.force_login(officer_a)
    content = xlsx(
        [
            [Q2, "STP", "ho_so_dung_han", 95, 100, None, "", None],
            [Q2, "STP", "hai_long_ket_qua", 40, 50, None, "", None],
        ]
    )
    response = upload(client, content, submit=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "90 / 100" in page and "95 / 100" in page and "40 / 50" in page
    assert "Nháp → Đã gửi" in page and "Mới → Đã gửi" in page
    assert Measurement.objects.get(indicator__code="ho_so_dung_han").numerator == 90  # nothing yet
    response = confirm(client, response)
    assert response.status_code == 302
    assert set(Measurement.objects.values_list("indicator__code", "numerator", "status")) == {
        ("ho_so_dung_han", 95, "submitted"),
        ("hai_long_ket_qua", 40, "submitted"),
    }
    versions = list(Measurement.objects.order_by("pk").values_list("version", flat=True))
    response = upload(client, content)
    assert "Không có số liệu nào thay đổi" in response.content.decode()
    assert list(Measurement.objects.order_by("pk").values_list("version", flat=True)) == versions


def test_blank_template_rows_are_skipped(client, officer_a):
    client.force_login(officer_a)
    template = download(client, agency="STP").content
    book = load_workbook(io.BytesIO(template))
    book.worksheets[0]["D2"], book.worksheets[0]["E2"] = 5, 10
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, buffer.getvalue())
    assert response.status_code == 200 and len(response.context["plan"].changes) == 1
    assert not response.context["plan"].errors


def test_upload_errors_are_listed_by_row_and_nothing_is_written(client, officer_a):
    client.force_login(officer_a)
    content = xlsx(
        [
            [Q2, "STP", "ho_so_dung_han", 95, 100, None, "", None],
            [Q2, "STP", "hai_long_ket_qua", "abc", 50, None, "", None],
            [Q2, "30280", "ho_so_dung_han", 1, 2, None, "", None],
        ]
    )
    response = upload(client, content)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Dòng 3" in page and "không nhập chữ" in page
    assert "Dòng 4" in page and "không có quyền nhập" in page
    assert "Xác nhận nhập" not in page
    assert not Measurement.objects.exists()


def test_upload_refuses_approved_figures_and_locked_periods(client, staff, measure):
    measure("ho_so_dung_han", "STP", Q2, 90, 100, status="approved")
    Period.objects.filter(code="2021-Q3").update(locked=True)
    client.force_login(staff)
    content = xlsx(
        [
            [Q2, "STP", "ho_so_dung_han", 95, 100, None, "", None],
            ["2021-Q3", "STP", "ho_so_dung_han", 95, 100, None, "", None],
        ]
    )
    page = upload(client, content).content.decode()
    assert "Dòng 2: Số liệu đã được duyệt" in page and "Dòng 3: Kỳ Quý III/2021 đã khóa sổ" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("so-lieu.pdf", b"%PDF-1.4", "Chỉ nhận tệp Excel"),
        ("so-lieu.xlsx", b"not a zip file at all", "Không đọc được tệp Excel"),
        ("so-lieu.xlsx", b"", "Tệp rỗng"),
    ],
)
def test_malformed_uploads(client, officer_a, name, content, message):
    client.force_login(officer_a)
    response = upload(client, content, name)
    assert response.status_code == 400 and message in response.content.decode()


def test_missing_columns(client, officer_a):
    client.force_login(officer_a)
    response = upload(client, xlsx([["a", "b"]], header=["x", "y"]))
    assert response.status_code == 400 and "Thiếu cột" in response.content.decode()


def test_too_many_rows_and_too_big(client, officer_a, settings):
    client.force_login(officer_a)
    # 50.000 rows as CSV (the same reader as .xlsx; quicker to build in a test)
    csv = "period,agency_code,indicator_code,numerator,denominator,value,note\n"
    csv += f"{Q2},STP,ho_so_dung_han,1,2,,\n" * 50_000
    response = upload(client, csv.encode(), "so-lieu.csv")
    assert response.status_code == 400 and "quá nhiều dòng" in response.content.decode()
    settings.IMPORT_MAX_BYTES = 1000
    response = upload(client, b"x" * 2000, "to.csv")
    assert response.status_code == 400 and "Tệp quá lớn" in response.content.decode()
    assert not Measurement.objects.exists()


def test_confirm_refuses_when_figures_changed_since_the_preview(client, officer_a, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 90, 100, status="draft")
    client.force_login(officer_a)
    response = upload(client, xlsx([[Q2, "STP", "ho_so_dung_han", 95, 100, None, "", None]]))
    Measurement.objects.filter(pk=m.pk).update(numerator=91, version=2)
    response = confirm(client, response)
    assert response.status_code == 409
    assert "Số liệu đã thay đổi kể từ khi xem trước" in response.content.decode()
    m.refresh_from_db()
    assert m.numerator == 91


def test_confirm_with_a_forged_token(client, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("excel-confirm"), {"token": "0" * 32})
    assert response.status_code == 302
    response = client.post(reverse("excel-confirm"), {"token": "../../etc/passwd"})
    assert response.status_code == 302


def test_viewers_cannot_use_excel_entry(client, leader):
    client.force_login(leader)
    assert client.get(reverse("excel-home")).status_code == 403
    assert upload(client, xlsx([])).status_code == 403


# --- Evidence ------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%test\n"


def attach(client, m, name="bien-ban.pdf", content=PDF):
    return client.post(
        reverse("evidence-upload", args=[m.pk]), {"file": SimpleUploadedFile(name, content)}
    )


def test_evidence_upload_and_download_by_those_who_may_see(
    client, officer_a, officer_b, staff, measure
):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(officer_a)
    assert attach(client, m).status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == "bien-ban.pdf" and evidence.file.name.startswith(
        "evidence/2021-Q2/"
    )
    page = client.get(reverse("measurement-detail", args=[m.pk])).content.decode()
    assert "bien-ban.pdf" in page
    response = client.get(reverse("evidence-download", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    client.force_login(staff)
    assert client.get(reverse("evidence-download", args=[evidence.pk])).status_code == 200
    client.force_login(officer_b)
    assert client.get(reverse("evidence-download", args=[evidence.pk])).status_code == 404
    assert attach(client, m).status_code == 404
    assert client.post(reverse("evidence-delete", args=[evidence.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ", "Chỉ nhận tệp PDF"),
        ("fake.pdf", b"MZ\x90\x00", "Nội dung tệp không khớp"),
        ("empty.pdf", b"", "Tệp rỗng"),
    ],
)
def test_bad_evidence_is_refused(client, officer_a, measure, name, content, message):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(officer_a)
    response = attach(client, m, name, content)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Evidence.objects.exists()


def test_evidence_size_limit_and_lock(client, officer_a, measure, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(officer_a)
    assert "Tệp quá lớn" in attach(client, m).content.decode()
    settings.EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    Measurement.objects.filter(pk=m.pk).update(status="approved")
    assert "đang khóa" in attach(client, m).content.decode()
    assert not Evidence.objects.exists()


def test_viewer_may_download_but_not_upload(client, officer_a, leader, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 98, 100)
    client.force_login(officer_a)
    attach(client, m)
    client.force_login(leader)
    assert attach(client, m).status_code == 403
    assert (
        client.get(reverse("evidence-download", args=[Evidence.objects.get().pk])).status_code
        == 200
    )


def test_abandoned_previews_are_removed_at_the_next_upload(client, officer_a, settings):
    import os
    import time

    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True)
    old, fresh = folder / "old.bin", folder / "fresh.bin"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    client.force_login(officer_a)
    upload(client, xlsx([[Q2, "STP", "ho_so_dung_han", 95, 100, None, "", None]]))
    assert not old.exists() and fresh.exists()


# --- What an upload does to statuses ------------------------------------------------------------


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sent_figures(client, *, demo: bool):
    """Every figure of STP for Q2 stored as sent ("Đã gửi"), demo figures or not; returns
    their (status, version) by indicator, and the history's size."""
    codes = [
        row[2]
        for row in load_workbook(io.BytesIO(download(client, agency="STP").content))
        .worksheets[0]
        .iter_rows(min_row=2, values_only=True)
    ]
    for n, code in enumerate(codes, start=1):
        Measurement.objects.create(
            indicator=Indicator.objects.get(code=code),
            agency=Agency.objects.get(code="STP"),
            period=Period.objects.get(code=Q2),
            numerator=90 + n,
            denominator=100,
            status="submitted",
            is_demo=demo,
        )
    return codes


def _statuses():
    return (
        sorted(Measurement.objects.values_list("indicator__code", "status", "version", "is_demo")),
        Measurement.history.count(),
    )


@pytest.mark.parametrize("demo", [True, False], ids=["demo", "real"])
def test_an_unchanged_template_changes_nothing_and_keeps_figures_sent(client, officer_a, demo):
    """The template uploaded back as downloaded, "Gửi luôn" left unticked: nothing changes,
    the sent figures stay sent (demo figures too: an upload never changes a figure whose
    values did not change)."""
    client.force_login(officer_a)
    codes = _sent_figures(client, demo=demo)
    before = _statuses()
    content = download(client, agency="STP").content
    for _ in range(2):  # the same file twice
        response = upload(client, content)
        page = response.content.decode()
        plan = response.context["plan"]
        assert response.status_code == 200 and plan.ok
        assert plan.changes == [] and plan.unchanged == len(codes) == 8
        assert "0 số liệu sẽ thay đổi, 8 dòng không đổi, 0 lỗi." in page
        assert "Không có số liệu nào thay đổi" in page and "Xác nhận nhập" not in page
        # A confirm posted anyway writes nothing.
        assert confirm(client, response).status_code == 302
        assert _statuses() == before


def test_a_corrected_sent_figure_stays_sent_and_the_preview_says_so(client, officer_a):
    client.force_login(officer_a)
    codes = _sent_figures(client, demo=True)
    book = load_workbook(io.BytesIO(download(client, agency="STP").content))
    sheet = book.worksheets[0]
    sheet["D2"] = 99  # 91 → 99 in the first row
    response = upload(client, _save(book))
    plan = response.context["plan"]
    assert [(c.row, c.status_before, c.status) for c in plan.changes] == [
        (2, "submitted", "submitted")
    ]
    table = response.content.decode().split('id="import-changes"')[1].split("</table>")[0]
    assert "Trạng thái" in table
    assert "91 / 100" in table and "99 / 100" in table
    assert "Đã gửi → Đã gửi (gửi lại số đã sửa)" in table
    assert "1 số liệu sẽ thay đổi, 7 dòng không đổi, 0 lỗi." in response.content.decode()
    response = confirm(client, response)
    assert response.status_code == 302
    message = str(list(get_messages(response.wsgi_request))[0])
    assert message == (
        "Đã nhập 1 số liệu thay đổi (1 đã gửi, trong đó 1 số đã gửi được sửa và gửi lại; "
        "0 nháp); 7 dòng không thay đổi."
    )
    m = Measurement.objects.get(indicator__code=codes[0], period__code=Q2)
    assert (m.numerator, m.status, m.version, m.is_demo) == (99, "submitted", 2, False)
    assert set(Measurement.objects.values_list("status", flat=True)) == {"submitted"}


def test_the_preview_shows_each_status_change_for_the_choice_made(client, officer_a, measure):
    measure("ho_so_dung_han", "STP", Q2, 90, 100, status="draft")
    measure("hai_long_ket_qua", "STP", Q2, 40, 50, status="returned")
    client.force_login(officer_a)
    rows = [
        [Q2, "STP", "ho_so_dung_han", 91, 100, None, "", None],
        [Q2, "STP", "hai_long_ket_qua", 41, 50, None, "", None],
        [Q2, "STP", "hai_long_phuc_vu", 1234, 1300, None, "", None],
    ]
    drafts = upload(client, xlsx(rows))
    assert [c.status_text for c in drafts.context["plan"].changes] == [
        "Nháp → Nháp",
        "Trả lại → Nháp",
        "Mới → Nháp",
    ]
    sent = upload(client, xlsx(rows), submit=True)
    assert [c.status_text for c in sent.context["plan"].changes] == [
        "Nháp → Đã gửi",
        "Trả lại → Đã gửi",
        "Mới → Đã gửi",
    ]
    page = sent.content.decode()
    assert "1.234 / 1.300" in page and "Mới → Đã gửi" in page
    assert "gửi luôn" in page.split('id="import-choice"')[1].split("</p>")[0]


def test_formatted_values_ranks_and_a_note_only_change(client, staff, measure):
    measure("ho_so_dung_han", "STP", Q2, 1234, 1300, status="draft", note="cũ")
    measure("par_index", "89", "2021", rank=14, score=Decimal("80.5"), status="draft")
    client.force_login(staff)
    response = upload(
        client,
        xlsx(
            [
                [Q2, "STP", "ho_so_dung_han", 1234, 1300, None, "mới", None],
                ["2021", "89", "par_index", None, None, 12, "", 81.54],
            ]
        ),
    )
    table = response.content.decode().split('id="import-changes"')[1].split("</table>")[0]
    assert table.count("1.234 / 1.300") == 2  # the values did not change, the note did
    assert "Giải trình: “cũ”" in table and "Giải trình: “mới”" in table
    assert "14/63 (điểm 80,50)" in table and "12/63 (điểm 81,54)" in table


def test_confirm_refuses_another_choice_than_the_preview_and_replans(client, officer_a, measure):
    measure("ho_so_dung_han", "STP", Q2, 90, 100, status="draft")
    client.force_login(officer_a)
    content = xlsx([[Q2, "STP", "ho_so_dung_han", 95, 100, None, "", None]])
    response = upload(client, content)  # planned as drafts
    assert response.context["plan"].submit is False
    token = response.context["token"]
    # The choice changed after the preview: refused, and the preview is shown for it.
    response = client.post(reverse("excel-confirm"), {"token": token, "submit": "True"})
    assert response.status_code == 409
    assert "Lựa chọn gửi luôn hay lưu nháp đã khác" in response.content.decode()
    assert Measurement.objects.get().numerator == 90
    assert [c.status_text for c in response.context["plan"].changes] == ["Nháp → Đã gửi"]
    # That preview can be confirmed.
    response = confirm(client, response)
    assert response.status_code == 302
    assert Measurement.objects.values_list("numerator", "status").get() == (95, "submitted")


def test_the_preview_replans_for_the_other_choice_without_javascript(client, officer_a):
    client.force_login(officer_a)
    response = upload(client, xlsx([[Q2, "STP", "ho_so_dung_han", 95, 100, None, "", None]]))
    page = response.content.decode()
    assert "Mới → Nháp" in page and "Xem trước lại: gửi luôn" in page
    token = response.context["token"]
    response = client.post(
        reverse("excel-confirm"), {"token": token, "submit": "True", "replan": "True"}
    )
    assert response.status_code == 200 and "Mới → Đã gửi" in response.content.decode()
    assert not Measurement.objects.exists()
    assert confirm(client, response).status_code == 302
    assert Measurement.objects.values_list("status", flat=True).get() == "submitted"


def test_a_sharp_change_sent_needs_a_note(client, officer_a, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 90, 100, status="approved")
    client.force_login(officer_a)
    sharp = [Q2, "STP", "ho_so_dung_han", 40, 100, None, "", None]
    response = upload(client, xlsx([sharp]), submit=True)
    assert response.status_code == 400
    assert [str(e) for e in response.context["plan"].errors] == [
        "Dòng 2: giải trình: Số liệu thay đổi hơn 30 điểm phần trăm so với kỳ trước: vui lòng "
        "ghi giải trình trước khi gửi."
    ]
    assert upload(client, xlsx([sharp])).status_code == 200  # a draft needs no note yet
    explained = [*sharp[:6], "Sáp nhập bộ phận một cửa", None]
    assert upload(client, xlsx([explained]), submit=True).status_code == 200
    # The previous quarter in the same file counts as it will be stored.
    both = [["2021-Q1", "STP", "ho_so_dung_han", 45, 100, None, "sửa", None], sharp]
    Measurement.objects.update(status="submitted")
    response = upload(client, xlsx(both), submit=True)
    assert response.status_code == 200, response.context["plan"].errors
    assert not Measurement.objects.filter(period__code=Q2).exists()


@pytest.mark.parametrize("stored", ["draft", "returned"])
def test_sending_a_file_sends_its_unchanged_unsent_figures(
    client, officer_a, staff, measure, stored
):
    """ "Gửi luôn" sends every row of the file that is not sent yet, as "Gửi" does on the entry
    form, even when its values are those stored: the preview says so, the values and who
    entered them stay, and the history names who sent it. Without "Gửi luôn" nothing changes."""
    m = measure("ho_so_dung_han", "STP", Q2, 90, 100, status=stored, note="Giải trình")
    Measurement.objects.filter(pk=m.pk).update(entered_by=staff)
    row = [Q2, "STP", "ho_so_dung_han", 90, 100, None, "Giải trình", None]
    client.force_login(officer_a)
    kept = upload(client, xlsx([row]))
    assert "Không có số liệu nào thay đổi" in kept.content.decode()
    response = upload(client, xlsx([row]), submit=True)
    page = response.content.decode()
    label = {"draft": "Nháp", "returned": "Trả lại"}[stored]
    assert f"{label} → Đã gửi (số liệu không đổi)" in page
    assert confirm(client, response).status_code == 302
    m.refresh_from_db()
    assert (m.numerator, m.status, m.entered_by, m.version) == (90, "submitted", staff, 2)
    assert m.history.first().history_user == officer_a
    again = upload(client, xlsx([row]), submit=True)
    assert "Không có số liệu nào thay đổi" in again.content.decode()
