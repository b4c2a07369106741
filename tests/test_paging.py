"""Long tables a page at a time (issue 7): the heatmap opens without the communes, and the
heatmap, the grid and the completeness page cut long lists into pages with links in the URL.
At An Giang's size the 156 communes stay on one page; smaller pages are forced here."""

import pytest
from django.urls import reverse

from indicators import paging
from indicators.paging import paginate

Q2 = "2021-Q2"


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 50)


def test_paginate_cuts_pages_and_clamps():
    rows = list(range(120))
    shown, pages = paginate(rows, 3, "level=xa", size=50)
    assert shown == list(range(100, 120))
    assert (pages.number, pages.count, pages.first_row, pages.last_row, pages.total) == (
        3,
        3,
        101,
        120,
        120,
    )
    assert pages.links == [(1, "level=xa"), (2, "level=xa&trang=2"), (3, "level=xa&trang=3")]
    assert paginate(rows, 99, "", size=50)[1].number == 3
    assert paginate([], 1, "", size=50)[1].count == 1
    assert [paging.page_number(v) for v in ("2", "x", None, "-4", "0")] == [2, 1, 1, 1, 1]


def test_heatmap_opens_on_departments_and_districts(client, leader):
    client.force_login(leader)
    response = client.get(reverse("dashboard-heatmap"))
    assert response.status_code == 200
    assert response.context["agency_count"] == 32  # province, 20 departments, 11 districts
    assert "Phường Mỹ Bình" not in response.content.decode()
    communes = client.get(reverse("dashboard-heatmap") + "?level=xa")
    assert communes.context["agency_count"] == 156 and communes.context["pages"].count == 1


def test_heatmap_pages_with_links_and_full_csv(client, leader, small_pages):
    client.force_login(leader)
    url = reverse("dashboard-heatmap") + "?period=2021-Q2&level=xa"
    first = client.get(url)
    assert first.context["pages"].count == 4
    html = first.content.decode()
    assert 'href="/ban-do-nhiet/?period=2021-Q2&amp;level=xa&amp;trang=2"' in html
    second = client.get(url + "&trang=2")
    assert second.context["pages"].first_row == 51
    rows_1 = first.context["charts"][0].table.rows
    rows_2 = second.context["charts"][0].table.rows
    assert len(rows_1) == len(rows_2) == 50
    assert rows_1[0][0].text != rows_2[0][0].text
    csv_rows = client.get(url + "&trang=2&csv=ban-do-nhiet").content.decode().splitlines()
    assert len(csv_rows) == 157  # header and every commune
    bad = client.get(url + "&trang=abc")
    assert (
        bad.status_code == 400 and "Số trang phải là một số nguyên dương." in bad.content.decode()
    )


def test_grid_pages_keep_filters_in_links(client, staff, small_pages):
    client.force_login(staff)
    url = reverse("entry-grid", args=[Q2, "ho_so_dung_han"]) + "?level=xa"
    first = client.get(url)
    assert len(first.context["rows"]) == 50 and first.context["pages"].count == 4
    assert "?level=xa&amp;trang=4" in first.content.decode()
    last = client.get(url + "&trang=4")
    assert len(last.context["rows"]) == 6
    names = {r.agency.code for r in first.context["rows"]}
    assert not names & {r.agency.code for r in last.context["rows"]}


def test_completeness_pages_after_filters(client, staff, small_pages):
    client.force_login(staff)
    response = client.get(reverse("completeness"), {"period": Q2, "level": "xa", "trang": "2"})
    assert response.status_code == 200
    assert len(response.context["lines"]) == 50
    assert response.context["pages"].total == 156
    assert "Đơn vị 51–100 trong 156" in response.content.decode()
