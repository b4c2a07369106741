"""User text in the workbooks we hand out stays text (indicators/workbooks.py): a note that looks
like a formula is neither a live formula in the download nor refused when the template comes
back, and it reads back exactly as typed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from indicators.models import Measurement
from indicators.workbooks import append_row

Q2 = "2021-Q2"
NOTES = ['=HYPERLINK("http://x","y")', "+1+2", "@SUM(A1)", "-2+3"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def template(client):
    response = client.get(reverse("excel-template"), {"period": Q2, "agency": "STP"})
    assert response.status_code == 200
    return response.content


def test_append_row_stores_every_string_as_text():
    sheet = Workbook().active
    append_row(sheet, ["=1+1", "#N/A", "@A1", 5, None, "thường"])
    cells = list(sheet[1])
    assert [c.data_type for c in cells] == ["s", "s", "s", "n", "n", "s"]
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    again = load_workbook(io.BytesIO(buffer.getvalue()), read_only=True).worksheets[0]
    row = next(again.iter_rows())
    assert [c.data_type for c in row[:3]] == ["s", "s", "s"]
    assert [c.value for c in row] == ["=1+1", "#N/A", "@A1", 5, None, "thường"]


def test_formula_like_notes_stay_text_and_survive_the_round_trip(client, officer_a, measure):
    client.force_login(officer_a)
    rows = list(load_workbook(io.BytesIO(template(client))).worksheets[0].iter_rows(min_row=2))
    codes = [row[2].value for row in rows[: len(NOTES)]]
    for code, note in zip(codes, NOTES, strict=True):
        measure(code, "STP", Q2, 1, 2, status="draft", note=note)

    content = template(client)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    notes = {row[2].value: row[6] for row in sheet.iter_rows(min_row=2)}
    for code, note in zip(codes, NOTES, strict=True):
        assert notes[code].data_type == "s"
        assert notes[code].value == note

    # Uploaded back as downloaded: read as text (no formula refusal), identical to what is stored.
    response = client.post(
        reverse("excel-upload"), {"file": SimpleUploadedFile("mau.xlsx", content)}
    )
    assert response.status_code == 200, response.content.decode()
    plan = response.context["plan"]
    assert plan.ok and plan.changes == [] and plan.unchanged == len(NOTES)
    assert "Không có số liệu nào thay đổi" in response.content.decode()

    # Changing a figure in the downloaded file keeps its note exactly as typed.
    book = load_workbook(io.BytesIO(content))
    for row in book.worksheets[0].iter_rows(min_row=2):
        if row[2].value == codes[0]:
            row[3].value = 2
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        reverse("excel-upload"), {"file": SimpleUploadedFile("mau.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 200
    client.post(reverse("excel-confirm"), {"token": response.context["token"]})
    m = Measurement.objects.get(indicator__code=codes[0], agency__code="STP", period__code=Q2)
    assert (m.numerator, m.note) == (2, NOTES[0])
