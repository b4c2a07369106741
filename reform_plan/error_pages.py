"""The pages people see when a request is refused or fails: Vietnamese pages of the site.

Django answers 400, 403 and 404 with the ``handler400/403/404`` views, a refused CSRF check
with ``CSRF_FAILURE_VIEW``, and any other exception with ``handler500``
(``reform_plan.outage.server_error``, which also turns a lost database into the 503 page).

These views render with the request, so the page has the site's header, the user's name and
the language switch. Should drawing one fail (the database gone while its context processors
run), Django hands the failure to ``handler500``, which needs neither the database nor the
request.

What each page says:
- 403 shows the refusal's own message when the view gave one: the application's messages are
  Vietnamese sentences saying what was refused ("Bạn không có quyền nhập số liệu cho đơn vị
  này."), translated like every other string. A bare refusal gets the general sentence only.
- 404 never shows the exception's message: Django's own (``get_object_or_404``, the URL
  resolver) are English or technical, and the page must not say whether an object the user may
  not see exists.
- 400 and the CSRF page say what probably happened and how to go on; the CSRF page links to
  the login page (the usual cause is a session that ended, or a login in another tab) and tells
  the user that the browser's Back button brings back what they typed.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse

# Pages after which "log in again" should not come back to the same address.
NO_RETURN = ("login", "logout", "set_language")


def bad_request(request, exception=None):
    """``handler400``: a request the server could not read (bad host, too many fields...)."""
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    """``handler403``: the page exists but is not for this user; their refusal's reason, if
    the view gave one."""
    reason = str(exception) if exception is not None and exception.args else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    """``handler404``: no such page, or an object the user may not see (the same answer)."""
    return render(request, "404.html", status=404)


def csrf_failure(request, reason: str = ""):
    """``CSRF_FAILURE_VIEW``: a form sent with a missing or expired security token. Nothing
    was saved; the page hands out a fresh token (its own forms work again)."""
    next_path = request.path
    if next_path in {reverse(name) for name in NO_RETURN}:
        next_path = ""
    return render(request, "403_csrf.html", {"next_path": next_path}, status=403)
