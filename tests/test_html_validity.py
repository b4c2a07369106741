"""Every page is valid HTML: the Nu HTML Checker (vnu.jar, fetched by scripts/bootstrap) reports
no error on any page the product serves, for each role, error pages included.

The pages are fetched with the test client over the demo figures, written to a folder and
checked in one run of the checker (one Java start). Without Java or vnu.jar the test is skipped
locally and fails in CI (``CI=true``), like the browser tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from indicators.demo_data import seed_demo
from indicators.models import Measurement
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent
VNU = sorted(ROOT.glob("var/vnu/*/vnu.jar"))
JAVA = shutil.which("java")
HTMX = {"HTTP_HX_REQUEST": "true"}
# A fragment that htmx swaps in is checked inside this minimal document.
SHELL = '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>x</title></head><body>{}</body></html>'


def _checker() -> list[str]:
    if not VNU or not JAVA:
        missing = "vnu.jar (bash scripts/bootstrap, needs npm)" if not VNU else "java"
        if IN_CI:
            pytest.fail(f"The HTML checker cannot run in CI: {missing} is missing.")
        pytest.skip(f"NU HTML CHECKER NOT RUN: {missing} is missing")
    return [JAVA, "-Xss4m", "-jar", str(VNU[-1])]


TABLE_SHELL = SHELL.format("<table><tbody>{}</tbody></table>")


def _pages(client: Client, staff, officer, leader, committee) -> dict[str, str]:
    """name → HTML of every kind of page, as the role that sees it."""
    pages: dict[str, str] = {}
    period, agency = "2021-Q2", "STP"
    figure = Measurement.objects.filter(agency__code=agency, period__code=period).first()

    def get(name, url, status=200, **extra):
        response = client.get(url, **extra)
        assert response.status_code == status, (name, response.status_code)
        text = response.content.decode()
        pages[name] = text if extra.get("HTTP_HX_REQUEST") is None else SHELL.format(text)

    def post(name, url, data, status=200, shell=SHELL, **extra):
        response = client.post(url, data, **extra)
        assert response.status_code == status, (name, response.status_code)
        text = response.content.decode()
        pages[name] = text if extra.get("HTTP_HX_REQUEST") is None else shell.format(text)

    get("login", reverse("login"))
    get("password-reset", reverse("password_reset"))
    get("404-anonymous", "/khong-co-trang-nay/", status=404)

    client.force_login(leader)
    for name, url in [
        ("overview", "/"),
        ("overview-year", "/?period=2021"),
        ("target", reverse("dashboard-target", args=["ho_so_dung_han"])),
        ("target-index", reverse("dashboard-target", args=["par_index"]) + "?period=2021"),
        ("agency", reverse("dashboard-agency", args=[agency])),
        ("district", reverse("dashboard-district")),
        ("heatmap", reverse("dashboard-heatmap")),
        ("plan", reverse("plan-detail")),
        ("password-change", reverse("password_change")),
        ("completeness-leader", reverse("completeness")),
    ]:
        get(name, url)
    get("bad-filter", "/?period=1999", status=400)
    get("404", reverse("dashboard-agency", args=["KHONG"]), status=404)
    get("overview-htmx", "/?period=2021-Q1", **HTMX)

    client.force_login(committee)
    get("report", reverse("report") + f"?period={period}")
    get("report-annex", reverse("report") + f"?period={period}&annex=on")
    get("403", reverse("excel-home"), status=403)

    client.force_login(officer)
    get("officer-home", reverse("dashboard-agency", args=[agency]))
    get("officer-entry", reverse("entry-form", args=[period, agency]))
    post(
        "officer-entry-errors",
        reverse("entry-form", args=[period, agency]),
        {"ho_so_dung_han-numerator": "abc", "ho_so_dung_han-denominator": "", "action": "save"},
    )

    client.force_login(staff)
    for name, url in [
        ("entry-start", reverse("entry-start")),
        ("entry-form", reverse("entry-form", args=[period, "30280"])),
        ("grid", reverse("entry-grid", args=[period, "ho_so_dung_han"]) + "?level=xa"),
        ("completeness", reverse("completeness") + f"?period={period}"),
        ("history", reverse("entry-history")),
        ("excel", reverse("excel-home")),
        ("lockouts", reverse("lockouts")),
        ("measurement", reverse("measurement-detail", args=[figure.pk])),
    ]:
        get(name, url)
    get("entry-sheet-htmx", reverse("entry-form", args=[period, "30280"]), **HTMX)
    template = client.get(reverse("excel-template") + f"?period={period}&agency={agency}").content
    post(
        "upload-preview",
        reverse("excel-upload"),
        {"file": SimpleUploadedFile("mau.xlsx", template)},
    )
    post(
        "approve-confirm",
        reverse("entry-form", args=[period, agency]),
        {"action": "approve_all"},
    )
    post(
        "grid-row-htmx",
        reverse("grid-row", args=[period, "ho_so_dung_han", "30280"]) + "?level=xa",
        {"30280-numerator": "x", "30280-denominator": "10"},
        shell=TABLE_SHELL,
        **HTMX,
    )
    with override_settings(DEBUG=False):
        csrf = Client(enforce_csrf_checks=True)
        csrf.force_login(staff)
        response = csrf.post(reverse("entry-form", args=[period, agency]), {"action": "save"})
        assert response.status_code == 403
        pages["csrf"] = response.content.decode()
    return pages


@pytest.mark.django_db
def test_every_page_is_valid_html(tmp_path, staff, officer_a, leader, committee, settings):
    checker = _checker()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_demo(2021)
    pages = _pages(Client(), staff, officer_a, leader, committee)
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    run = subprocess.run(
        [*checker, "--errors-only", "--format", "json", "--skip-non-html", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m.get('message')} "
        f"[{(m.get('extract') or '').strip()[:120]}]"
        for m in messages
        if m.get("type") == "error"
    ]
    assert len(pages) >= 35
    assert errors == [], "\n".join(errors)


def test_the_checker_finds_an_error(tmp_path):
    """The check can fail: a page with a real error is reported."""
    checker = _checker()
    (tmp_path / "bad.html").write_text(SHELL.format('<table><td colspan="0">x</table>'))
    run = subprocess.run(
        [*checker, "--errors-only", "--format", "json", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    assert any(m.get("type") == "error" for m in messages)
