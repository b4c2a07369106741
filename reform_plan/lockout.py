"""The page a locked-out login gets (django-axes ``AXES_LOCKOUT_CALLABLE``).

Rule (README, "Bảo mật"): after ``AXES_FAILURE_LIMIT`` wrong passwords for one username from one
address, that pair is refused for ``AXES_COOLOFF_TIME``, even with the
right password. The answer is 429 with a Vietnamese page saying what happened, how long it lasts
and whom to contact.
"""

from django.conf import settings
from django.shortcuts import render


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
