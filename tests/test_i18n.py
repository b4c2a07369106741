"""The English catalog: chosen English shows English pages, Vietnamese stays the default.

The catalog test parses locale/en/LC_MESSAGES/django.po, so a string wrapped for translation
without an English msgstr (or left fuzzy by makemessages) fails the run until it is translated.
"""

import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def english(client, user, next_url="/"):
    """Log in and pick English with the header's language form, as a user would."""
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def text(response):
    assert response.status_code == 200
    return response.content.decode()


# --- English pages ------------------------------------------------------------------------------


def test_overview_in_english(client, leader):
    english(client, leader)
    page = text(client.get("/"))
    assert '<html lang="en">' in page
    for words in [
        "An Giang PAR Index",
        "Main navigation",
        ">Overview<",
        ">Heatmap<",
        ">Districts<",
        ">Plan<",
        "Log out",
        "Administrative reform targets 2021",
        "targets met",
        "Reporting period",
    ]:
        assert words in page, words
    for vietnamese in ["Tổng quan", "Đăng xuất", "Kỳ báo cáo", "chỉ tiêu đạt"]:
        assert vietnamese not in page, vietnamese


def test_plan_page_in_english(client, leader):
    english(client, leader, "/ke-hoach/")
    page = text(client.get("/ke-hoach/"))
    assert '<html lang="en">' in page
    for words in ["Issuing body", "Date of issue", "Implementation year", "Goal", "Applies to"]:
        assert words in page, words
    for vietnamese in ["Cơ quan ban hành", "Năm thực hiện", "Áp dụng"]:
        assert vietnamese not in page, vietnamese


def test_entry_start_in_english(client, staff):
    english(client, staff, "/nhap-lieu/")
    page = text(client.get("/nhap-lieu/"))
    assert '<html lang="en">' in page
    for words in [
        ">Data entry<",
        ">Reporting status<",
        ">Report<",
        "Reporting deadline",
        "Find an agency (name or code)",
        "Grid entry",
        "Tools",
        "Figure change history",
    ]:
        assert words in page, words
    for vietnamese in ["Nhập số liệu", "Hạn báo cáo", "Công cụ"]:
        assert vietnamese not in page, vietnamese


def test_report_page_in_english(client, committee, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 98, 100)
    english(client, committee, "/bao-cao/")
    page = text(client.get("/bao-cao/"))
    assert '<html lang="en">' in page
    for words in [
        "Summary report",
        "Report options",
        "Include annex by agency",
        "Print report",
        "Download PDF",
        "Download Excel",
    ]:
        assert words in page, words
    for vietnamese in ["Tùy chọn báo cáo", "In báo cáo", "Tải PDF"]:
        assert vietnamese not in page, vietnamese


def figure(page, data_id):
    """The Plotly figure a page hands to charts.js with json_script."""
    start = page.index(f'<script id="{data_id}" type="application/json">')
    body = page[page.index(">", start) + 1 : page.index("</script>", start)]
    return json.loads(body)


def test_overview_built_strings_in_english(client, leader, measure):
    """Period labels, the scope, chart titles, axis titles, legends and table headings are built
    in Python; English pages show them in English (agency and target names stay data)."""
    measure("ho_so_dung_han", "STP", "2021-Q2", 97, 100)
    english(client, leader)
    page = text(client.get("/?period=2021-Q2"))
    for words in [
        ">Q2 2021<",  # the period choice
        "First half of 2021",  # what the cumulative figures cover
        "· Whole province",  # the scope
        "Rate targets against their goals",  # a chart title
        ">Result<",  # table headings
        ">Status<",
        "1,0 points",  # a gap
    ]:
        assert words in page, words
    for vietnamese in ["Quý II/2021", "6 tháng đầu năm", "Các chỉ tiêu tỷ lệ", "điểm %"]:
        assert vietnamese not in page, vietnamese
    chart = figure(page, "fig-ty-le")
    assert chart["layout"]["xaxis"]["title"]["text"] == "Rate (%)"
    assert [trace["name"] for trace in chart["data"]] == ["Result", "Goal"]
    assert "Goal: ≥ 98%" in chart["data"][0]["hovertext"][0]


def test_district_scope_and_heatmap_in_english(client, leader):
    english(client, leader, "/")
    page = text(client.get(reverse("dashboard-heatmap") + "?district=883"))
    assert "Agencies × targets – Thành phố Long Xuyên (including its communes)" in page
    assert "gồm các đơn vị cấp xã" not in page


def test_entry_check_messages_in_english(client, staff):
    english(client, staff, "/nhap-lieu/")
    url = reverse("entry-check", args=["2021-Q2", "STP"])
    data = {
        "indicator": "ho_so_dung_han",
        "ho_so_dung_han-numerator": "12a",
        "ho_so_dung_han-denominator": "100",
    }
    page = text(client.post(url, data, HTTP_HX_REQUEST="true"))
    assert "Whole numbers only" in page
    assert "không nhập chữ" not in page
    data["ho_so_dung_han-numerator"] = "101"
    page = text(client.post(url, data, HTTP_HX_REQUEST="true"))
    assert "The numerator cannot be larger than the denominator." in page
    assert "Tử số không được lớn hơn mẫu số" not in page


def test_cookie_alone_selects_english(client, leader):
    client.force_login(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = text(client.get("/"))
    assert '<html lang="en">' in page
    assert ">Overview<" in page


# --- Vietnamese stays the default ---------------------------------------------------------------


@pytest.mark.parametrize("accept_language", ["", "en-US,en;q=0.9"])
def test_vietnamese_by_default(client, leader, accept_language):
    client.force_login(leader)
    page = text(client.get("/", HTTP_ACCEPT_LANGUAGE=accept_language))
    assert '<html lang="vi">' in page
    for words in ["Chỉ số CCHC An Giang", ">Tổng quan<", "Đăng xuất", "chỉ tiêu đạt"]:
        assert words in page, words
    for english_words in [">Overview<", "Log out", "targets met"]:
        assert english_words not in page, english_words


def test_back_to_vietnamese(client, staff):
    english(client, staff, "/nhap-lieu/")
    client.post(reverse("set_language"), {"language": "vi", "next": "/nhap-lieu/"})
    page = text(client.get("/nhap-lieu/"))
    assert '<html lang="vi">' in page
    assert "Hạn báo cáo" in page


# --- The catalog itself -------------------------------------------------------------------------


def po_entries(path):
    """(flags, msgid, msgid_plural, [msgstr...], msgctxt) for every entry of a .po file, header
    included."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        flags, fields, current = set(), {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[current] += line[1:-1]
            else:
                current, _, value = line.partition(" ")
                fields[current] = value.strip()[1:-1]
        msgstrs = [v for k, v in fields.items() if k.startswith("msgstr")]
        entries.append(
            (flags, fields.get("msgid"), fields.get("msgid_plural"), msgstrs, fields.get("msgctxt"))
        )
    return entries


def test_english_catalog_is_complete():
    entries = po_entries(PO)
    header, messages = entries[0], entries[1:]
    assert header[1] == "", "the first entry should be the header"
    assert "fuzzy" not in header[0]
    assert '"Language: en\\n"' in PO.read_text(encoding="utf-8")
    assert len(messages) > 300
    untranslated = [m[1] for m in messages if not m[3] or not all(m[3])]
    fuzzy = [m[1] for m in messages if "fuzzy" in m[0]]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")
    plurals = [m[3] for m in messages if m[2] is not None]
    assert plurals and all(len(msgstrs) == 2 for msgstrs in plurals)


def test_placeholders_survive_translation():
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w+\}|%[sd]|</?[a-z][^>]*>")
    for _, msgid, _plural, msgstrs, _context in po_entries(PO)[1:]:
        for msgstr in msgstrs:
            assert sorted(placeholder.findall(msgstr)) == sorted(placeholder.findall(msgid)), msgid


def unescape(value):
    """A .po string's escapes (\\n, \\", \\\\) back to the characters gettext compiles."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), value)


def test_compiled_catalog_is_current():
    """The committed .mo lets a clone without gettext show English; it must match the .po."""
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for _, msgid, plural, msgstrs, context in po_entries(PO)[1:]:
        msgid, msgstrs = unescape(msgid), [unescape(s) for s in msgstrs]
        if context is not None:
            got = compiled.pgettext(unescape(context), msgid)
            assert got == msgstrs[0], f"recompile the .mo: {context}|{msgid}"
        elif plural is None:
            assert compiled.gettext(msgid) == msgstrs[0], f"recompile the .mo: {msgid}"
        else:
            got = [compiled.ngettext(msgid, unescape(plural), n) for n in (1, 2)]
            assert got == msgstrs, f"recompile the .mo: {msgid}"
    with translation.override("en"):
        assert translation.gettext("Tổng quan") == "Overview"
        assert translation.gettext("Chưa có số liệu") == "No data"
        assert translation.ngettext("%(n)s đơn vị", "%(n)s đơn vị", 1) == "%(n)s agency"
        assert translation.ngettext("%(n)s đơn vị", "%(n)s đơn vị", 2) == "%(n)s agencies"
