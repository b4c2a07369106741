"""Security (issue 8, "Access"): login lockout, idle sessions, passwords, the admin for
administrators only, security headers and the CSP, and evidence files kept off public paths."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import URLPattern, get_resolver, reverse
from django.utils import translation

from indicators.models import Evidence
from tests.conftest import PASSWORD
from tests.test_permission_matrix import _named_patterns
from tests.test_roles_and_access import PRODUCTION, _manage

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Brute force: django-axes --------------------------------------------------------------------


def _login(client, password, username="chuyenvien"):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, staff):
    for attempt in range(1, 5):
        response = _login(client, f"sai-{attempt}")
        assert response.status_code == 200, attempt  # the form again, with its error
    locked = _login(client, "sai-5")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Tạm khóa đăng nhập" in page
    assert "nhập sai mật khẩu 5 lần liên tiếp" in page and "15 phút" in page
    assert "Sở Nội vụ" in page  # whom to contact
    right = _login(client, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_ends_after_the_cool_off(client, staff):
    with time_machine.travel("2026-01-05 08:00 +0700", tick=False) as clock:
        for attempt in range(5):
            _login(client, f"sai-{attempt}")
        assert _login(client, PASSWORD).status_code == 429  # restarts the 15 minutes
        clock.shift(timedelta(minutes=16))
        response = _login(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_lockout_is_per_username_and_address(client, staff, leader):
    for attempt in range(5):
        _login(client, f"sai-{attempt}")
    assert _login(client, PASSWORD, username="lanhdao").status_code == 302
    other_machine = _login(client.__class__(REMOTE_ADDR="10.0.0.9"), PASSWORD)
    assert other_machine.status_code == 302


def test_the_reset_command_lifts_a_lockout(client, staff):
    for attempt in range(5):
        _login(client, f"sai-{attempt}")
    assert _login(client, PASSWORD).status_code == 429
    call_command("axes_reset_username", "chuyenvien", verbosity=0)
    response = _login(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_staff_see_a_lockout_and_lift_it_on_their_page(client, staff, leader):
    """Reset by staff (issue #8): Sở Nội vụ staff list the locked accounts and unlock one."""
    for attempt in range(5):
        _login(client, f"sai-{attempt}", username="lanhdao")
    assert _login(client, PASSWORD, username="lanhdao").status_code == 429

    staff_client = client.__class__()
    staff_client.force_login(staff)
    page = staff_client.get(reverse("lockouts")).content.decode()
    assert "lanhdao" in page and "Mở khóa" in page

    refused = staff_client.post(reverse("lockouts"), {"username": "khong-ai-ca"})
    assert refused.status_code == 400
    assert "Tài khoản này không bị khóa." in refused.content.decode()

    done = staff_client.post(reverse("lockouts"), {"username": "lanhdao"}, follow=True)
    assert "Đã mở khóa tài khoản lanhdao." in done.content.decode()
    assert "lanhdao" not in done.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    response = _login(client, PASSWORD, username="lanhdao")
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_only_staff_may_lift_a_lockout(client, leader, officer_a):
    for user in (leader, officer_a):
        client.force_login(user)
        assert client.get(reverse("lockouts")).status_code == 403
        assert client.post(reverse("lockouts"), {"username": "x"}).status_code == 403


def _lock_out(client, username):
    for attempt in range(5):
        _login(client, f"sai-{attempt}", username=username)
    assert _login(client, PASSWORD, username=username).status_code == 429


def test_staff_cannot_lift_a_superusers_lockout(client, staff, leader):
    """Only a superuser lifts a superuser's lockout: staff see the lock but get no button, and
    a forged POST is refused (403) with the lock left in place."""
    User.objects.create_superuser("quantri", password=PASSWORD)
    _lock_out(client, "quantri")
    _lock_out(client, "lanhdao")
    staff_client = client.__class__()
    staff_client.force_login(staff)
    page = staff_client.get(reverse("lockouts")).content.decode()
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "quantri" in rows and "chỉ quản trị hệ thống mở khóa được" in rows
    assert 'name="username" value="quantri"' not in rows
    assert 'name="username" value="lanhdao"' in rows  # others keep their button
    for typed in ("quantri", "QuanTri"):
        refused = staff_client.post(reverse("lockouts"), {"username": typed})
        assert refused.status_code == 403
        assert "Chỉ quản trị hệ thống mở khóa được tài khoản quản trị." in refused.content.decode()
    assert _login(client, PASSWORD, username="quantri").status_code == 429  # still locked


def test_a_superuser_lifts_a_superusers_lockout(client, staff):
    admin = User.objects.create_superuser("quantri", password=PASSWORD)
    other = User.objects.create_superuser("quantri2", password=PASSWORD)
    _lock_out(client, "quantri")
    admin_client = client.__class__()
    admin_client.force_login(other)
    page = admin_client.get(reverse("lockouts")).content.decode()
    assert 'name="username" value="quantri"' in page
    done = admin_client.post(reverse("lockouts"), {"username": admin.username}, follow=True)
    assert "Đã mở khóa tài khoản quantri." in done.content.decode()
    response = _login(client, PASSWORD, username="quantri")
    assert response.status_code == 302


def test_successful_logins_never_lock(client, staff):
    for _ in range(7):
        assert _login(client, PASSWORD).status_code == 302
        client.logout()


def test_axes_backend_comes_first():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


# --- Sessions end after inactivity -------------------------------------------------------------


def test_an_idle_session_goes_back_to_the_login_page(client, leader):
    with time_machine.travel("2026-01-05 08:00 +0700", tick=False) as clock:
        client.force_login(leader)
        assert client.get(reverse("plan-detail")).status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("plan-detail"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_active_session_stays_open(client, leader):
    with time_machine.travel("2026-01-05 08:00 +0700", tick=False) as clock:
        client.force_login(leader)
        for _ in range(4):  # 4 × 20 minutes: over an hour in all, never 30 minutes idle
            clock.shift(timedelta(minutes=20))
            assert client.get(reverse("plan-detail")).status_code == 200


# --- Passwords ---------------------------------------------------------------------------------


def test_a_weak_password_is_refused_in_vietnamese(staff):
    with translation.override("vi"):
        for weak, message in [
            ("abc12345", "Mật khẩu quá ngắn"),
            ("1234567890123", "hoàn toàn là số"),
            ("chuyenvien1", "quá giống"),
        ]:
            form = SetPasswordForm(staff, {"new_password1": weak, "new_password2": weak})
            assert not form.is_valid(), weak
            errors = " ".join(form.errors["new_password2"])
            assert message in errors, (weak, errors)


def test_the_demo_and_test_passwords_pass_the_validators(db):
    from indicators.demo_users import DEMO_PASSWORD, DEMO_USERS, create_demo_users

    create_demo_users()
    for demo in DEMO_USERS:
        validate_password(DEMO_PASSWORD, User.objects.get(username=demo.username))
    validate_password(PASSWORD)


# --- The admin is for administrators -------------------------------------------------------------


def test_only_superusers_reach_the_admin(client, staff, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri.tt", password=PASSWORD)
    staff.is_staff = True  # even if someone ticks "staff status" for a Sở Nội vụ officer
    staff.save()
    client.force_login(staff)
    response = client.get("/quan-tri/")
    assert response.status_code == 302 and response["Location"].startswith("/quan-tri/login/")
    assert client.get("/quan-tri/indicators/agency/").status_code == 302
    assert 'href="/quan-tri/"' not in client.get(reverse("plan-detail")).content.decode()
    client.force_login(admin)
    assert client.get("/quan-tri/").status_code == 200
    assert client.get("/quan-tri/axes/accessattempt/").status_code == 200  # lockouts, to reset


# --- Headers and the Content-Security-Policy -------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_security_headers_on_every_page(client, leader):
    client.force_login(leader)
    for url in [reverse("home"), reverse("plan-detail"), reverse("login")]:
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        csp = _csp(response)
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
        assert csp["style-src"] == ["'self'"]  # no style="" attributes either
        assert csp["style-src-elem"] == ["'self'", "'unsafe-inline'"]  # plotly.js's <style>
        assert csp["img-src"] == ["'self'", "data:"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["form-action"] == ["'self'"]
        assert csp["base-uri"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_production_cookies_and_hsts():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT)"
    )
    result = _manage("shell", "-c", code, env_extra={**PRODUCTION, "SECURE_HSTS_SECONDS": "600"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["True", "True", "True", "600", "True"]


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def _inline_code(html: str) -> list[str]:
    found = INLINE_SCRIPT.findall(html) + INLINE_HANDLER.findall(html)
    return found + INLINE_STYLE.findall(html)


def test_no_template_has_inline_script_handler_or_style():
    for path in (ROOT / "templates").rglob("*.html"):
        if path.name == "report_pdf.html":
            continue  # rendered into a PDF by WeasyPrint, never served as a page
        assert _inline_code(path.read_text()) == [], path


def test_main_pages_render_no_inline_script(client, staff, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 95, 100)
    client.force_login(staff)
    pages = [
        reverse("home"),
        reverse("dashboard-target", args=["ho_so_dung_han"]),
        reverse("dashboard-agency", args=["STP"]),
        reverse("dashboard-district"),
        reverse("dashboard-heatmap"),
        reverse("entry-start"),
        reverse("entry-form", args=["2021-Q1", "STP"]),
        reverse("entry-grid", args=["2021-Q1", "ho_so_dung_han"]) + "?level=tinh",
        reverse("completeness"),
        reverse("report"),
        reverse("plan-detail"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert _inline_code(html) == [], url
        assert '<meta name="htmx-config"' in html and '"includeIndicatorStyles": false' in html
    assert 'type="application/json"' in client.get(reverse("home")).content.decode()
    client.logout()
    assert _inline_code(client.get(reverse("login")).content.decode()) == []


# --- Uploaded files ---------------------------------------------------------------------------------


def test_media_is_outside_every_served_path():
    media = Path(settings.MEDIA_ROOT).resolve()
    served = [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]
    for folder in served:
        folder = folder.resolve()
        assert not media.is_relative_to(folder) and not folder.is_relative_to(media), folder


def test_no_url_serves_files_from_disk():
    from django.views import static

    for _namespace, _name, pattern in _named_patterns(get_resolver().url_patterns):
        assert isinstance(pattern, URLPattern)
        assert pattern.callback is not static.serve, pattern


@pytest.fixture
def html_evidence(settings, tmp_path, measure):
    """An HTML file attached to agency A's figure: it must download, never render."""
    settings.MEDIA_ROOT = tmp_path
    m = measure("ho_so_dung_han", "STP", "2021-Q1", 95, 100)
    body = b"<script>alert(1)</script>"
    return Evidence.objects.create(
        measurement=m,
        file=ContentFile(body, name="trang.html"),
        original_name="trang.html",
        size=len(body),
        content_type="text/html",
    )


def test_evidence_downloads_as_an_attachment_for_those_who_may_see_it(
    client, html_evidence, officer_a, leader
):
    for user in (officer_a, leader):
        client.force_login(user)
        response = client.get(reverse("evidence-download", args=[html_evidence.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_evidence_is_404_for_those_who_may_not_see_the_figure(client, html_evidence, officer_b):
    client.force_login(officer_b)
    assert client.get(reverse("evidence-download", args=[html_evidence.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("evidence-download", args=[html_evidence.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (None, officer_b.__class__.objects.create_superuser("qt.media")):
        if user:
            client.force_login(user)
        for prefix in ("/media/", "/static/", "/"):  # no public path, whoever asks
            assert client.get(f"{prefix}{html_evidence.file.name}").status_code == 404
