"""The page a locked-out login gets (django-axes ``AXES_LOCKOUT_CALLABLE``).

Rule (README, "Bảo mật"): after ``AXES_FAILURE_LIMIT`` wrong passwords for one username from one
address, that pair is refused for ``AXES_COOLOFF_TIME``, even with the
right password. The answer is 429 with a Vietnamese page saying what happened, how long it lasts
and whom to contact. Sở Nội vụ staff lift locks on the page ``lockouts``.
"""

from axes.models import AccessAttempt
from axes.utils import reset
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from indicators.text_input import RejectControlCharacters


def locked_out(request, original_response=None, credentials=None):
    """Render the lockout page; the username comes from the refused form, if any."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "username": username,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": minutes,
    }
    return render(request, "registration/locked_out.html", context, status=429)


class UnlockForm(RejectControlCharacters, forms.Form):
    username = forms.CharField(label=gettext_lazy("Tên đăng nhập"), max_length=150)


def current_lockouts():
    """The username+address pairs locked out now: at least ``AXES_FAILURE_LIMIT`` failures,
    the last one within ``AXES_COOLOFF_TIME``."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")


def superuser_names(usernames) -> set[str]:
    """Those of ``usernames`` that belong to a superuser (compared without case, as a lockout
    of "Quantri" must not let staff unlock "quantri")."""
    wanted = {name.casefold() for name in usernames}
    if not wanted:
        return set()
    names = User.objects.filter(is_superuser=True).values_list("username", flat=True)
    return {name.casefold() for name in names if name.casefold() in wanted}


def may_unlock(user, username: str) -> bool:
    """Staff lift the locks of the people they support; only a superuser lifts a superuser's.
    Otherwise anyone who can reach this page could unlock the administrator's account for
    whoever is guessing its password."""
    return user.is_superuser or not superuser_names([username])


@permission_required("indicators.approve_measurement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def lockouts(request):
    """Sở Nội vụ staff see who is locked out and lift a lock at once (issue #8: the lockout is
    "reset by staff"; they are the people officers call). Lifting a lock removes the username's
    failed attempts from every address. A superuser's lock is lifted by a superuser only
    (``may_unlock``): the page offers no button for it to others, and a POST is refused (403)."""
    form = UnlockForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if not may_unlock(request.user, username):
            form.add_error("username", _("Chỉ quản trị hệ thống mở khóa được tài khoản quản trị."))
            status = 403
        elif reset(username=username):
            messages.success(request, _("Đã mở khóa tài khoản %(u)s.") % {"u": username})
            return redirect("lockouts")
        else:
            form.add_error("username", _("Tài khoản này không bị khóa."))
    attempts = list(current_lockouts())
    protected = (
        set()
        if request.user.is_superuser
        else superuser_names(a.username for a in attempts if a.username)
    )
    for attempt in attempts:
        attempt.unlockable = (attempt.username or "").casefold() not in protected
    context = {"form": form, "attempts": attempts}
    if status == 200 and form.is_bound and form.errors:
        status = 400
    return render(request, "registration/lockouts.html", context, status=status)
