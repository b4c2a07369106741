"""Staff pages in real Chromium, scanned with axe-core: no serious violation, every scrollable
table reachable by keyboard and named, and all content (the demo banner too) inside a
landmark."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from indicators.models import Measurement
from tests.conftest import login_in_browser, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Rules checked at every impact, not only serious ones.
ALWAYS = {"scrollable-region-focusable", "region", "landmark-unique", "aria-allowed-attr"}


def problems(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"} or v["id"] in ALWAYS
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/nhap-lieu/",
        "/nhap-lieu/2021-Q2/STP/",
        "/nhap-lieu/bang/2021-Q2/ho_so_dung_han/?level=xa",
        "/nhap-lieu/tinh-hinh/?period=2021-Q2",
        "/nhap-lieu/lich-su/",
        "/khoa-dang-nhap/",
        "MEASUREMENT",
    ],
)
def test_staff_pages_have_no_accessibility_violations(live_server, page, measure, path):
    make_user("chuyenvien.a11y", "Chuyên viên Sở Nội vụ")
    figure = measure("ho_so_dung_han", "STP", "2021-Q2", 90, 100)
    # a demo figure shows the demo banner, which must sit in a landmark too
    demo = measure("ho_so_dung_han", "30280", "2021-Q2", 9, 10)
    Measurement.objects.filter(pk=demo.pk).update(is_demo=True)
    login_in_browser(page, live_server, "chuyenvien.a11y")
    if path == "MEASUREMENT":
        path = f"/nhap-lieu/so-lieu/{figure.pk}/"
    # at phone width the tables scroll sideways: each scrolling region must take the focus
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{path}")
    assert page.locator(".demo-banner").count() == 1
    assert problems(page) == []
