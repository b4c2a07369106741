"""An import never overwrites what changed after it was planned (indicators/imports.py,
``apply_import``): a figure edited, approved or created between the plan (or the browser's
preview) and the write stops the whole import, nothing written, with a message naming it."""

import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from indicators import excel_views, imports
from indicators.imports import COLUMNS, ImportConflict, apply_import, plan_import
from indicators.models import Agency, Measurement, Period
from targets.models import Indicator

Q2 = "2021-Q2"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def row(number, indicator, numerator, denominator, agency="STP"):
    values = dict.fromkeys(COLUMNS)
    values.update(
        period=Q2,
        agency_code=agency,
        indicator_code=indicator,
        numerator=str(numerator),
        denominator=str(denominator),
    )
    return number, values


def stored():
    return set(
        Measurement.objects.values_list("indicator__code", "numerator", "status", "version", "note")
    )


def create(indicator, numerator, denominator, agency="STP", status="submitted"):
    return Measurement.objects.create(
        indicator=Indicator.objects.get(code=indicator),
        agency=Agency.objects.get(code=agency),
        period=Period.objects.get(code=Q2),
        numerator=numerator,
        denominator=denominator,
        status=status,
    )


def test_a_figure_approved_after_the_plan_is_not_overwritten(db, measure):
    m = measure("ho_so_dung_han", "STP", Q2, 90, 100, status="submitted")
    plan = plan_import(
        [row(2, "ho_so_dung_han", 95, 100), row(3, "hai_long_ket_qua", 40, 50)], submit=True
    )
    assert plan.ok and len(plan.changes) == 2
    Measurement.objects.filter(pk=m.pk).update(status="approved", version=F("version") + 1)
    before = stored()
    with pytest.raises(ImportConflict) as excinfo:
        apply_import(plan)
    assert stored() == before  # neither the update nor the new figure
    message = str(excinfo.value)
    assert "Sở Tư pháp – chỉ số ho_so_dung_han – kỳ 2021-Q2" in message
    assert "hai_long_ket_qua" not in message
    assert [c.row for c in excinfo.value.changes] == [2]


def test_a_figure_created_after_the_plan_stops_the_import(db):
    plan = plan_import([row(2, "ho_so_dung_han", 95, 100), row(3, "hai_long_ket_qua", 40, 50)])
    create("hai_long_ket_qua", 1, 2)
    before = stored()
    with pytest.raises(ImportConflict) as excinfo:
        apply_import(plan)
    assert stored() == before
    assert "chỉ số hai_long_ket_qua" in str(excinfo.value)


def in_another_connection(work):
    """Run ``work`` in a thread, hence on its own connection, committed at once: another user."""
    from django.db import connections

    def target():
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()


def test_a_figure_created_between_the_check_and_the_insert(db, monkeypatch):
    """The unique key catches what the check could not lock; still a conflict, not an error."""
    plan = plan_import([row(2, "ho_so_dung_han", 95, 100), row(3, "hai_long_ket_qua", 4, 5)])
    insert = imports._insert_new_figures

    def late(changes, **kwargs):
        in_another_connection(lambda: create("ho_so_dung_han", 1, 2))
        insert(changes, **kwargs)

    monkeypatch.setattr(imports, "_insert_new_figures", late)
    try:
        with pytest.raises(ImportConflict) as excinfo:
            apply_import(plan)
        assert [c.row for c in excinfo.value.changes] == [2]
        assert stored() == {("ho_so_dung_han", 1, "submitted", 1, "")}
    finally:
        in_another_connection(forget_committed_figures)


def forget_committed_figures():
    """Remove what the other connection committed, without signals (a delete through the ORM
    would commit a "-" history row that later tests would count)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {imports.HISTORY_TABLE}")
        cursor.execute(f"DELETE FROM {imports.MEASUREMENT_TABLE}")


def test_the_lock_is_one_query_per_chunk(db, monkeypatch):
    communes = list(Agency.objects.filter(level="xa").values_list("code", flat=True)[:30])
    for code in communes:
        create("ho_so_dung_han", 1, 2, agency=code)
    plan = plan_import(
        [row(n, "ho_so_dung_han", 3, 4, code) for n, code in enumerate(communes, start=2)]
    )
    monkeypatch.setattr(imports, "LOCK_CHUNK", 10)
    with CaptureQueriesContext(connection) as ctx:
        assert apply_import(plan) == 30
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 3
    # Thirty figures changed since the next plan: the message names ten and counts the rest.
    plan = plan_import(
        [row(n, "ho_so_dung_han", 5, 6, code) for n, code in enumerate(communes, start=2)]
    )
    Measurement.objects.update(version=F("version") + 1)
    with pytest.raises(ImportConflict) as excinfo:
        apply_import(plan)
    assert "và 20 số liệu khác" in str(excinfo.value)
    assert set(Measurement.objects.values_list("numerator", flat=True)) == {3}


def test_the_command_reports_a_conflict(db, monkeypatch, tmp_path, staff):
    from django.core.management import CommandError, call_command

    path = tmp_path / "a.csv"
    path.write_text(",".join(COLUMNS) + f"\n{Q2},STP,ho_so_dung_han,95,100,,\n")
    real = imports.apply_import

    def racing(plan, **kwargs):
        create("ho_so_dung_han", 1, 2)
        return real(plan, **kwargs)

    monkeypatch.setattr("indicators.management.commands.import_measurements.apply_import", racing)
    with pytest.raises(CommandError, match="Hãy chạy lại lệnh"):
        call_command(
            "import_measurements", str(path), "--user", staff.username, stdout=io.StringIO()
        )
    assert stored() == {("ho_so_dung_han", 1, "submitted", 1, "")}


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append([*COLUMNS, "score"])
    for r in rows:
        sheet.append(r)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_browser_confirm_after_a_concurrent_creation_shows_a_new_preview(
    client, officer_a, monkeypatch
):
    client.force_login(officer_a)
    content = xlsx([[Q2, "STP", "ho_so_dung_han", 95, 100, None, "", None]])
    response = client.post(reverse("excel-upload"), {"file": SimpleUploadedFile("a.xlsx", content)})
    assert response.status_code == 200
    token = response.context["token"]
    real = excel_views.apply_import

    def racing(plan, **kwargs):  # somebody saves the figure after the confirm re-checked it
        create("ho_so_dung_han", 1, 2, status="approved")
        return real(plan, **kwargs)

    monkeypatch.setattr(excel_views, "apply_import", racing)
    response = client.post(reverse("excel-confirm"), {"token": token})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Chưa nhập dòng nào" in page and "chỉ số ho_so_dung_han" in page
    assert "xem trước mới" in page
    assert stored() == {("ho_so_dung_han", 1, "approved", 1, "")}
    # The new preview shows the approved figure refused; nothing more is written.
    assert not response.context["plan"].ok
