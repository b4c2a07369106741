"""Everyone changes their own password, and resets a forgotten one by e-mail, in Vietnamese.

The change page is linked from the header's user box, the reset page from the login page; both
list the password rules (the help texts of AUTH_PASSWORD_VALIDATORS). The reset mail goes
through Django's mail settings, read from the environment. The login lockout still holds.
"""

import json
import re

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tests.conftest import PASSWORD
from tests.test_roles_and_access import _manage

NEW_PASSWORD = "so-noi-vu-an-giang-2022"
CHANGE = "/doi-mat-khau/"
RESET = "/quen-mat-khau/"


@pytest.fixture(autouse=True)
def _mail_and_fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def signed_in(client, officer_a):
    client.force_login(officer_a)
    return client


def change(client, old, new1, new2=None):
    data = {"old_password": old, "new_password1": new1, "new_password2": new2 or new1}
    return client.post(CHANGE, data)


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def field_errors(page: str) -> str:
    """The text of every error shown next to a field (not the rules list)."""
    blocks = re.findall(r'<div class="field-error"[^>]*>(.*?)</div>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", block) for block in blocks)


def rules_in_vietnamese():
    with translation.override("vi"):
        return [str(text) for text in password_validators_help_texts()]


# --- Change ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["officer_a", "leader", "staff"])
def test_the_header_links_to_the_change_page(client, db, request, user):
    client.force_login(request.getfixturevalue(user))
    page = client.get(reverse("plan-detail")).content.decode()
    box = page.split('class="user-box"')[1].split("</div>")[0]
    assert f'href="{CHANGE}"' in box and "Đổi mật khẩu" in box


def test_the_change_page_lists_the_password_rules(signed_in):
    response = signed_in.get(CHANGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1" in page and "Đổi mật khẩu" in page
    for label in ["Mật khẩu hiện tại", "Mật khẩu mới", "Nhập lại mật khẩu mới"]:
        assert label in page
    rules = rules_in_vietnamese()
    assert len(rules) == len(settings.AUTH_PASSWORD_VALIDATORS) == 4
    assert "Mật khẩu phải có ít nhất 10 ký tự." in rules
    for rule in rules:
        assert rule in page, rule
    assert 'aria-describedby="password-rules"' in page


def test_a_wrong_current_password_is_refused_in_vietnamese(signed_in, officer_a):
    response = change(signed_in, "khong-phai-mat-khau", NEW_PASSWORD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mật khẩu cũ không chính xác" in field_errors(page)
    assert 'aria-invalid="true"' in page
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("new1", "new2", "message"),
    [
        ("abc12345", None, "Mật khẩu quá ngắn: cần ít nhất 10 ký tự."),
        ("1234567890123", None, "Mật khẩu này hoàn toàn là số."),
        ("canbo.stp-1", None, "quá giống"),
        ("password1234", None, "Mật khẩu này quá phổ biến."),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "Hai trường mật khẩu không giống nhau."),
    ],
    ids=["short", "numeric", "like-username", "common", "mismatch"],
)
def test_a_weak_new_password_is_refused_in_vietnamese(signed_in, officer_a, new1, new2, message):
    response = change(signed_in, PASSWORD, new1, new2)
    assert response.status_code == 200
    page = response.content.decode()
    errors = field_errors(page)
    assert message in errors, errors
    assert "This password" not in page and "Your password" not in page
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)


def test_a_good_new_password_is_saved_and_the_session_kept(signed_in, officer_a):
    response = change(signed_in, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    done = signed_in.get(response["Location"])  # still signed in
    assert done.status_code == 200
    assert "Đã đổi mật khẩu" in done.content.decode()
    officer_a.refresh_from_db()
    assert officer_a.check_password(NEW_PASSWORD)
    signed_in.logout()
    assert login(signed_in, "canbo.stp", PASSWORD).status_code == 200  # the old one: no
    assert login(signed_in, "canbo.stp", NEW_PASSWORD).status_code == 302


def test_the_change_page_needs_a_login(client, db):
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_change_page_in_english(signed_in):
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = signed_in.get(CHANGE).content.decode()
    assert '<html lang="en">' in page
    for words in ["Change password", "Current password", "New password again", "Password rules"]:
        assert words in page, words
    assert "at least 10 characters" in page
    for vietnamese in ["Mật khẩu hiện tại", "Quy tắc đặt mật khẩu", "Mật khẩu phải có"]:
        assert vietnamese not in page, vietnamese


# --- Reset by e-mail --------------------------------------------------------------------------------


@pytest.fixture
def with_email(officer_a):
    officer_a.email = "canbo.stp@angiang.gov.vn"
    officer_a.save()
    return officer_a


def reset_link(message) -> str:
    match = re.search(r"https?://testserver(/quen-mat-khau/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_the_login_page_links_to_the_reset_page(client, db):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{RESET}"' in page and "Quên mật khẩu?" in page


def test_a_reset_mail_carries_a_working_link(client, with_email):
    page = client.get(RESET)
    assert page.status_code == 200
    assert "Quên mật khẩu" in page.content.decode()
    response = client.post(RESET, {"email": "CANBO.STP@angiang.gov.vn"})
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    assert "Hãy kiểm tra hộp thư" in done and "trong 24 giờ" in done
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["canbo.stp@angiang.gov.vn"]
    assert message.subject == "Đặt lại mật khẩu – Chỉ số CCHC An Giang"
    assert (
        "Xin chào canbo.stp," in message.body and "Tên đăng nhập của bạn: canbo.stp" in message.body
    )
    assert message.from_email == settings.DEFAULT_FROM_EMAIL

    opened = client.get(reset_link(message), follow=True)
    form_page = opened.content.decode()
    assert "Đặt mật khẩu mới" in form_page
    for rule in rules_in_vietnamese():
        assert rule in form_page, rule
    set_url = opened.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "12345", "new_password2": "12345"})
    assert "Mật khẩu quá ngắn" in field_errors(weak.content.decode())
    saved = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert saved.status_code == 302
    assert saved["Location"] == reverse("password_reset_complete")
    assert "Đã đặt mật khẩu mới" in client.get(saved["Location"]).content.decode()
    with_email.refresh_from_db()
    assert with_email.check_password(NEW_PASSWORD)
    assert login(client, "canbo.stp", NEW_PASSWORD).status_code == 302

    client.logout()
    again = client.get(reset_link(message), follow=True).content.decode()
    assert "Đường dẫn không còn dùng được" in again  # a link works once


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, with_email):
    response = client.post(RESET, {"email": "ai-do@example.vn"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_bad_address_is_refused_in_vietnamese(client, db):
    page = client.post(RESET, {"email": "khong-phai-email"}).content.decode()
    assert "Nhập địa chỉ email." in field_errors(page)  # Django's Vietnamese catalog
    assert 'aria-invalid="true"' in page


def test_reset_pages_in_english(client, with_email):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(RESET).content.decode()
    assert "Forgotten password" in page and "Send the password reset link" in page
    client.post(RESET, {"email": with_email.email})
    assert mail.outbox[0].subject == "Password reset – Chỉ số CCHC An Giang"
    assert "Hello canbo.stp," in mail.outbox[0].body


def test_the_lockout_still_applies_to_login(client, with_email):
    """A reset does not lift or bypass django-axes: five wrong passwords still lock the login,
    the new password included."""
    client.post(RESET, {"email": with_email.email})
    set_url = client.get(reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    for attempt in range(4):
        assert login(client, "canbo.stp", f"sai-{attempt}").status_code == 200
    assert login(client, "canbo.stp", "sai-5").status_code == 429
    assert login(client, "canbo.stp", NEW_PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


# --- Mail settings from the environment -------------------------------------------------------------

MAIL_ENV = {
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.angiang.gov.vn",
    "EMAIL_PORT": "465",
    "EMAIL_HOST_USER": "cchc",
    "EMAIL_HOST_PASSWORD": "bi-mat",
    "EMAIL_USE_TLS": "false",
    "DEFAULT_FROM_EMAIL": "CCHC <cchc@angiang.gov.vn>",
    "EMAIL_FILE_PATH": "/tmp/thu",
}
MAIL_NAMES = [*MAIL_ENV]
PRINT = "import json; from django.conf import settings as s; print(json.dumps({n: str(getattr(s, n)) for n in %r}))"


def mail_settings(env):
    result = _manage("shell", "-c", PRINT % MAIL_NAMES, env_extra=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mail_settings_come_from_the_environment():
    assert mail_settings(MAIL_ENV) == {
        **MAIL_ENV,
        "EMAIL_PORT": "465",
        "EMAIL_USE_TLS": "False",
    }


def test_mail_is_printed_on_the_console_locally():
    assert mail_settings({})["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_every_mail_setting_is_documented_in_env_example():
    example = (settings.BASE_DIR / ".env.example").read_text()
    for name in MAIL_NAMES:
        assert re.search(rf"^# {name}=", example, re.M), name
