"""Error pages are pages of the site: Vietnamese (English when chosen), the site's header, what
happened in words and a way back; never Django's bare English pages or its debug page.

Every test runs with DEBUG off, as officials see the product (and as ``scripts/run`` now
serves it).
"""

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.template import TemplateSyntaxError
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse

from reform_plan import outage
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
# What Django's own error pages say; none of it may reach a person.
DJANGO_TEXT = [
    "Not Found",
    "Forbidden",
    "Bad Request",
    "Server Error",
    "CSRF verification failed",
    "The requested resource",
    "Request aborted",
    "Traceback",
    "DEBUG = True",
]
ENTRY_FORM = reverse("entry-form", args=["2021-Q1", "STP"])


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def assert_site_page(response, status, *words, signed_in=True):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert '<header class="site-header' in page
    assert "Chỉ số CCHC An Giang" in page  # the site's name in the header
    assert f'href="{reverse("home")}"' in page  # a way home
    if signed_in:
        assert 'class="user-box"' in page and "Đăng xuất" in page
    for word in words:
        assert word in page, word
    for django in DJANGO_TEXT:
        assert django not in page, django
    return page


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def assert_english(page, *words, absent=()):
    assert '<html lang="en">' in page
    for word in words:
        assert word in page, word
    for word in absent:
        assert word not in page, word


def test_the_handlers_are_the_site_pages():
    from reform_plan import error_pages

    resolver = get_resolver()
    assert resolver.resolve_error_handler(400) is error_pages.bad_request
    assert resolver.resolve_error_handler(403) is error_pages.permission_denied
    assert resolver.resolve_error_handler(404) is error_pages.page_not_found
    assert resolver.resolve_error_handler(500) is outage.server_error
    assert settings.CSRF_FAILURE_VIEW == "reform_plan.error_pages.csrf_failure"


# --- 404 ----------------------------------------------------------------------------------------


def test_an_unknown_address_is_a_vietnamese_404(client, leader):
    client.force_login(leader)
    page = assert_site_page(
        client.get("/khong-co-trang-nay/"),
        404,
        "Không tìm thấy trang",
        "Không có trang hoặc số liệu nào ở địa chỉ này.",
        "<code>/khong-co-trang-nay/</code>",
        "Về trang chủ",
    )
    assert "Resolver404" not in page and "Http404" not in page


def test_another_agency_is_the_same_404_without_django_messages(client, officer_b):
    """The 404 never shows the exception's message: get_object_or_404's is English, and the
    page must not say whether an object the user may not see exists."""
    client.force_login(officer_b)
    for url in (ENTRY_FORM, reverse("entry-form", args=["2021-Q1", "KHONGCO"])):
        page = assert_site_page(client.get(url), 404, "Không tìm thấy trang")
        assert "Không tìm thấy đơn vị" not in page and "matches the given query" not in page


def test_404_in_english(client, leader):
    client.force_login(leader)
    page = english(client).get("/khong-co-trang-nay/").content.decode()
    assert_english(
        page,
        "Page not found",
        "There is no page or figure at this address.",
        "Go to the home page",
        absent=["Không tìm thấy trang", "Về trang chủ"],
    )


# --- 403 ----------------------------------------------------------------------------------------


def test_a_refusal_shows_its_vietnamese_reason(client, leader):
    client.force_login(leader)
    page = assert_site_page(
        client.post(ENTRY_FORM, {"action": "save"}),
        403,
        "Không có quyền truy cập",
        "Bạn chỉ có quyền xem số liệu.",  # the view's own message
        "liên hệ quản trị hệ thống tại Sở Nội vụ",
    )
    assert '<p class="form-error" role="alert">Bạn chỉ có quyền xem số liệu.</p>' in page


def test_a_bare_refusal_gets_the_general_sentence(client, officer_a):
    client.force_login(officer_a)
    page = assert_site_page(
        client.get(reverse("dashboard-heatmap")),
        403,
        "Không có quyền truy cập",
        "Tài khoản của bạn không được mở trang này",
    )
    assert 'class="form-error"' not in page


def test_403_in_english(client, leader):
    client.force_login(leader)
    page = english(client).post(ENTRY_FORM, {"action": "save"}).content.decode()
    assert_english(
        page,
        "Access denied",
        "You can only view figures.",
        absent=["Không có quyền truy cập", "Bạn chỉ có quyền xem số liệu."],
    )


# --- 400 ----------------------------------------------------------------------------------------


def test_a_request_the_server_cannot_read_is_a_vietnamese_400(client, leader):
    client.force_login(leader)
    response = client.get(reverse("plan-detail"), HTTP_HOST="ke-gia-mao.example")
    # refused before the user is looked up (CommonMiddleware checks the host): no user box
    assert_site_page(
        response, 400, "Yêu cầu không hợp lệ", "Không có gì được lưu.", signed_in=False
    )


def test_400_in_english(client, leader):
    client.force_login(leader)
    response = english(client).get(reverse("plan-detail"), HTTP_HOST="ke-gia-mao.example")
    assert response.status_code == 400
    assert_english(response.content.decode(), "Bad request", absent=["Yêu cầu không hợp lệ"])


# --- CSRF ---------------------------------------------------------------------------------------


def test_an_expired_form_is_a_vietnamese_page_with_a_way_back(leader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    page = assert_site_page(
        client.post(ENTRY_FORM, {"action": "save"}),
        403,
        "Biểu mẫu đã hết hiệu lực",
        "chưa có gì được lưu",
        "nút Quay lại của trình duyệt",
        "Đăng nhập lại",
    )
    assert f'href="{reverse("login")}?next=/nhap-lieu/2021-Q1/STP/"' in page
    # the page hands out a fresh token: its own forms (language, log out) work again
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        reverse("set_language"), {"language": "vi", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_a_stale_login_form_is_the_same_page(client, staff):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": staff.username, "password": PASSWORD})
    page = assert_site_page(response, 403, "Biểu mẫu đã hết hiệu lực", signed_in=False)
    assert f'href="{reverse("login")}"' in page  # no "next" back to the login form itself


def test_csrf_page_in_english(leader):
    client = english(Client(enforce_csrf_checks=True))
    client.force_login(leader)
    page = client.post(ENTRY_FORM, {"action": "save"}).content.decode()
    assert_english(
        page, "The form has expired", "Log in again", absent=["Biểu mẫu đã hết hiệu lực"]
    )


# --- 500 ----------------------------------------------------------------------------------------


def failing_plan_query(execute, sql, params, many, context):
    if "targets_plan" in sql:
        raise ValueError("a bug")
    return execute(sql, params, many, context)


def test_a_server_error_is_a_vietnamese_page_of_the_site(leader):
    client = Client(raise_request_exception=False)
    client.force_login(leader)
    with connection.execute_wrapper(failing_plan_query):
        response = client.get(reverse("plan-detail"))
    page = assert_site_page(
        response,
        500,
        "Đã xảy ra lỗi",
        "lỗi đã được ghi lại",
        "Tải lại trang",
        "Về trang chủ",
        signed_in=False,  # drawn without the request: no user lookup, no database
    )
    assert "a bug" not in page and "ValueError" not in page


def test_the_500_page_needs_neither_database_nor_request(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = outage.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Đã xảy ra lỗi" in response.content.decode()


def test_a_500_page_that_cannot_be_drawn_falls_back_to_plain_html(monkeypatch):
    def broken(*args, **kwargs):
        raise TemplateSyntaxError("broken")

    monkeypatch.setattr(outage, "render_to_string", broken)
    response = outage.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Đã xảy ra lỗi" in page and "Chỉ số CCHC An Giang" in page and 'href="/"' in page


def test_500_in_english(leader):
    client = english(Client(raise_request_exception=False))
    client.force_login(leader)
    with connection.execute_wrapper(failing_plan_query):
        page = client.get(reverse("plan-detail")).content.decode()
    assert_english(page, "Something went wrong", "Reload the page", absent=["Đã xảy ra lỗi"])


# --- scripts/run serves the product as officials see it ---------------------------------------


def run_script(tmp_path, **env):
    """Run a copy of scripts/run with stand-ins for bootstrap and Python that record what
    each step was given; returns the recorded lines."""
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "run").write_text((ROOT / "scripts" / "run").read_text())
    (tmp_path / "scripts" / "bootstrap").write_text("exit 0\n")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    log = tmp_path / "calls.log"
    python.write_text(f'#!/bin/sh\necho "DEBUG=$DJANGO_DEBUG $*" >> {log}\n')
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    subprocess.run(
        ["bash", str(tmp_path / "scripts" / "run")],
        env={**clean, **env},
        check=True,
        capture_output=True,
        timeout=60,
    )
    return log.read_text().splitlines()


def test_scripts_run_serves_without_debug_pages(tmp_path):
    calls = run_script(tmp_path)
    server = [line for line in calls if "runserver" in line]
    assert server == ["DEBUG=false manage.py runserver 127.0.0.1:8000"], calls


def test_a_developer_turns_debug_on_explicitly(tmp_path):
    calls = run_script(tmp_path, DJANGO_DEBUG="true")
    assert any(line.startswith("DEBUG=true manage.py runserver") for line in calls), calls


def test_static_files_are_served_with_debug_off(client, leader, measure):
    """With DEBUG off, Django serves no static files itself: whitenoise does, from the
    finders (plotly.js included). Every stylesheet and script a dashboard loads answers."""
    measure("ho_so_dung_han", "STP", "2021-Q1", 98, 100)
    client.force_login(leader)
    page = client.get(reverse("dashboard-heatmap")).content.decode()
    assets = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page))
    assert any("plotly" in a for a in assets) and any(a.endswith("app.css") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        b"".join(response.streaming_content) if response.streaming else response.content


def test_the_local_hosts_are_allowed_with_debug_off():
    for host in ("127.0.0.1", "localhost"):
        assert host in settings.ALLOWED_HOSTS
