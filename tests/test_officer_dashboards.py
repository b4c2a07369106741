"""An agency officer's dashboard: their own agency's results and place, read-only.

A department or commune officer sees their agency's page; a district officer also their
district's page (the district with its communes) and their communes' pages. Another agency's
or district's page answers 404; the province-wide pages (target, heatmap) stay for staff and
viewers. "Tổng quan" takes an officer to their agency's page. Cached page bodies are never
shared between readers who may open different pages.
"""

import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from indicators import roles
from tests.conftest import make_user

STP_PAGE = reverse("dashboard-agency", args=["STP"])
DISTRICT = reverse("dashboard-district")
TARGET_LINK = re.compile(r'href="/chi-tieu/')


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def figures(measure):
    """Two departments, a district and two of its communes, another district's commune."""
    measure("ho_so_dung_han", "STP", "2021-Q1", 97, 100)
    measure("ho_so_dung_han", "SNV", "2021-Q1", 99, 100)
    measure("ho_so_dung_han", "883", "2021-Q1", 950, 1000)
    measure("ho_so_dung_han", "30280", "2021-Q1", 40, 40)
    measure("ho_so_dung_han", "30283", "2021-Q1", 30, 40)
    measure("ho_so_dung_han", "30316", "2021-Q1", 5, 10)


@pytest.fixture
def district_officer(db):
    """Cán bộ of Thành phố Long Xuyên (district 883, whose communes include Mỹ Bình)."""
    return make_user("canbo.longxuyen", roles.OFFICER, "883")


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_an_officer_sees_their_agency_results_and_place(client, officer_a, figures):
    response = get(client, officer_a, STP_PAGE + "?period=2021-Q1")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Sở Tư pháp</h1>" in page
    assert "97,0%" in page
    # second of the two departments with a figure for the target
    assert "Vị trí trong cấp tỉnh" in page
    assert '<td class="num">2/2</td>' in page
    assert "1 là tốt nhất" in page  # the place is explained under the table
    # read-only and no dead ends: no form posts, no links to the province-wide target pages
    assert 'method="post"' not in page.split('<main id="main"')[1]
    assert not TARGET_LINK.search(page)


def test_home_is_the_officer_agency_page_and_keeps_the_period(client, officer_a):
    response = get(client, officer_a, reverse("home") + "?period=2021-Q1&mode=quy&level=xa")
    assert response.status_code == 302
    assert response["Location"] == STP_PAGE + "?period=2021-Q1&mode=quy"


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard-agency", args=["SNV"]),  # another department
        reverse("dashboard-agency", args=["30280"]),  # a commune
        reverse("dashboard-agency", args=["KHONGCO"]),  # no such agency: the same answer
    ],
)
def test_another_agency_page_is_404_for_an_officer(client, officer_a, url):
    assert get(client, officer_a, url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard-target", args=["ho_so_dung_han"]),
        reverse("dashboard-heatmap"),
        DISTRICT,  # not a district officer
        DISTRICT + "?district=883",
    ],
)
def test_province_wide_and_district_pages_stay_closed_to_a_department_officer(
    client, officer_a, url
):
    assert get(client, officer_a, url).status_code == 403


def test_a_commune_officer_sees_their_commune_but_not_its_district(client, officer_b, figures):
    page = get(client, officer_b, reverse("dashboard-agency", args=["30280"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thành phố Long Xuyên" in html  # the district is named, not linked
    assert f'href="{DISTRICT}?district=883' not in html
    assert client.get(reverse("dashboard-agency", args=["883"])).status_code == 404
    assert client.get(DISTRICT).status_code == 403


def test_a_district_officer_sees_the_district_with_its_communes(client, district_officer, figures):
    response = get(client, district_officer, DISTRICT + "?period=2021-Q1")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h2 class="page-sub">Thành phố Long Xuyên</h2>' in page
    assert "Phường Mỹ Bình" in page and "Phường Mỹ Long" in page
    # the district choice offers their district only, and the page links nowhere closed
    select = page.split('name="district"')[1].split("</select>")[0]
    options = re.findall(r'<option value="(\w+)"', select)
    assert options == ["883"]
    assert not TARGET_LINK.search(page)
    assert 'href="/don-vi/30280/' in page
    # the same page without a district opens on theirs
    assert client.get(DISTRICT).status_code == 200


def test_a_district_officer_opens_their_communes_but_nothing_else(
    client, district_officer, figures
):
    client.force_login(district_officer)
    own = client.get(reverse("dashboard-agency", args=["883"]) + "?period=2021-Q1")
    assert own.status_code == 200
    assert f'href="{DISTRICT}?district=883' in own.content.decode()  # the whole district
    commune = client.get(reverse("dashboard-agency", args=["30280"]) + "?period=2021-Q1")
    assert commune.status_code == 200
    assert f'href="{DISTRICT}?district=883' in commune.content.decode()
    assert client.get(reverse("dashboard-agency", args=["30316"])).status_code == 404
    assert client.get(reverse("dashboard-agency", args=["884"])).status_code == 404
    assert client.get(reverse("dashboard-agency", args=["STP"])).status_code == 404
    assert client.get(DISTRICT + "?district=884").status_code == 404
    assert client.get(reverse("dashboard-heatmap")).status_code == 403


def test_the_header_overview_link_leads_an_officer_home(client, officer_a):
    client.force_login(officer_a)
    page = client.get(STP_PAGE, follow=True)
    assert page.status_code == 200
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == STP_PAGE
    assert response.status_code == 200


@pytest.fixture
def cached(settings):
    """Results and page bodies cached as in production (one worker's memory)."""
    settings.RESULTS_CACHE = True
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "results": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "o"},
    }
    caches["results"].clear()
    yield
    caches["results"].clear()


@pytest.mark.parametrize("officer_first", [False, True], ids=["viewer-first", "officer-first"])
def test_cached_bodies_never_cross_between_a_viewer_and_an_officer(
    client, leader, district_officer, figures, cached, officer_first
):
    """The same URL, read by a viewer and by a district officer: each gets the body drawn for
    them, whichever came first (the viewer's has every district and the target links)."""
    url = DISTRICT + "?period=2021-Q1&district=883"
    order = [district_officer, leader] if officer_first else [leader, district_officer]
    pages = {}
    for user in order:
        client.force_login(user)
        for hx in (False, True):
            response = client.get(url, **({"HTTP_HX_REQUEST": "true"} if hx else {}))
            assert response.status_code == 200
            pages[user.username, hx] = response.content.decode()
    for hx in (False, True):
        viewer, officer = pages["lanhdao", hx], pages["canbo.longxuyen", hx]
        assert TARGET_LINK.search(viewer) and '<option value="884"' in viewer
        assert not TARGET_LINK.search(officer) and '<option value="884"' not in officer


def test_the_header_links_a_district_officer_to_their_district(client, district_officer, officer_a):
    client.force_login(district_officer)
    header = client.get(reverse("entry-start")).content.decode().split("</nav>")[0]
    assert 'href="/huyen/?district=883"' in header
    client.force_login(officer_a)
    header = client.get(reverse("entry-start")).content.decode().split("</nav>")[0]
    assert "/huyen/" not in header
