"""Roles, login everywhere, the start page, and production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from indicators import roles

ROOT = Path(__file__).resolve().parent.parent


def perms(user):
    return {p.split(".", 1)[1] for p in user.get_all_permissions()}


def test_each_role_has_exactly_its_permissions(staff, officer_a, leader, committee):
    assert perms(staff) == {
        "enter_any_agency",
        "approve_measurement",
        "view_dashboard",
        "view_report",
        "view_measurement",
    }
    assert perms(officer_a) == {"enter_own_agency", "view_measurement"}
    assert perms(leader) == {"view_dashboard"}
    assert perms(committee) == {"view_dashboard", "view_report"}
    assert set(Group.objects.values_list("name", flat=True)) == set(roles.ROLE_PERMISSIONS)


def test_an_officer_is_linked_to_one_agency(officer_a, officer_b):
    assert officer_a.profile.agency.code == "STP"
    assert officer_b.profile.agency.name == "Phường Mỹ Bình"


@pytest.mark.parametrize("name", ["home", "plan-detail"])
def test_login_required_everywhere(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _all_patterns(patterns, prefix=""):
    from django.urls import URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _all_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def test_every_url_pattern_requires_login(client, db):
    """Walk the whole URL configuration (admin aside): no page but the login page, the
    language switch and the password-reset pages answers an anonymous user; each sends them to
    the login page."""
    import re

    from django.urls import get_resolver

    open_pages = {
        "login",
        "set_language",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
    }
    checked = 0
    for route, pattern in _all_patterns(get_resolver().url_patterns):
        if pattern.name in open_pages or route.startswith("quan-tri/"):
            continue
        url = "/" + re.sub(r"<int:\w+>", "1", re.sub(r"<(?:str|slug):\w+>", "x", route))
        if "^" in url or "(?" in url:
            continue  # regex routes (none of ours)
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
        checked += 1
    assert checked >= 25


def test_login_page_is_vietnamese(client, db):
    response = client.get(reverse("login"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Đăng nhập" in page and "Tên đăng nhập" in page and "Mật khẩu" in page
    assert '<html lang="vi">' in page


def test_wrong_password_gets_a_vietnamese_message(client, staff):
    response = client.post(reverse("login"), {"username": "chuyenvien", "password": "sai"})
    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.content.decode()


def test_home_names_the_plan_and_groups_targets(client, leader):
    client.force_login(leader)
    page = client.get(reverse("plan-detail")).content.decode()
    assert "829/KH-UBND" in page
    assert "Cải cách thủ tục hành chính" in page
    assert "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số" in page
    assert page.index("Cải cách thủ tục hành chính") < page.index("98% thủ tục hành chính trả")
    assert "Nhóm 15/63" in page and "≥ 98%" in page
    assert "2.021" not in page  # years are never grouped like numbers


def test_admin_is_vietnamese(client, django_user_model, db):
    admin = django_user_model.objects.create_superuser("qt", password="x-very-long-pass-1")
    client.force_login(admin)
    page = client.get("/quan-tri/").content.decode()
    assert "Quản trị Chỉ số CCHC An Giang" in page
    for section in ["Kế hoạch", "Chỉ tiêu", "Đơn vị", "Kỳ báo cáo", "Người sử dụng"]:
        assert section.lower() in page.lower(), section


def _manage(*args, env_extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-deploy-check-0123456789abcdef",
    "ALLOWED_HOSTS": "cchc.example.vn",
}


def test_check_deploy_is_clean_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = _manage("check", env_extra=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", env_extra={**PRODUCTION, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_demo_users_are_refused_in_production(settings, db):
    from django.core.exceptions import ImproperlyConfigured

    from indicators.demo_users import create_demo_users

    settings.DEMO_ALLOWED = False
    with pytest.raises(ImproperlyConfigured):
        create_demo_users()


def test_vietnamese_whatever_the_browser_language(client, leader):
    client.force_login(leader)
    page = client.get(reverse("plan-detail"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="vi">' in page.content.decode()


def test_english_when_chosen(client, leader):
    client.force_login(leader)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/ke-hoach/"})
    assert response.status_code == 302
    page = client.get(reverse("plan-detail")).content.decode()
    assert '<html lang="en">' in page


def test_every_page_can_report_a_refused_htmx_request(client, leader):
    client.force_login(leader)
    page = client.get(reverse("plan-detail")).content.decode()
    assert 'id="request-error"' in page and 'role="alert"' in page
    assert "/static/js/app.js" in page
