"""Demo users, one for each role, for the local run command only (never in production)."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import ImproperlyConfigured

from indicators import roles
from indicators.models import Agency, Profile

DEMO_PASSWORD = "cchc-demo-2021"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    group: str | None
    agency_code: str | None = None
    superuser: bool = False


DEMO_USERS = [
    DemoUser("chuyenvien", "Nguyễn Thị Lan (Sở Nội vụ)", roles.STAFF),
    DemoUser("canbo.sotuphap", "Trần Văn Minh (Sở Tư pháp)", roles.OFFICER, "STP"),
    DemoUser("canbo.mybinh", "Lê Thị Hồng (Phường Mỹ Bình)", roles.OFFICER, "30280"),
    DemoUser("lanhdao", "Phạm Quốc Hùng (Lãnh đạo Sở)", roles.LEADER),
    DemoUser("bancd", "Võ Thanh Tâm (Ban Chỉ đạo CCHC)", roles.COMMITTEE),
    DemoUser("quantri", "Quản trị hệ thống", None, superuser=True),
]


def create_demo_users() -> list[DemoUser]:
    """Create or reset the demo users (idempotent). Refused in production."""
    if not settings.DEMO_ALLOWED:
        raise ImproperlyConfigured("Demo users are never created in production.")
    for demo in DEMO_USERS:
        first, _, last = demo.full_name.partition(" (")
        user, _ = User.objects.get_or_create(username=demo.username)
        user.first_name = first
        user.last_name = f"({last}" if last else ""
        user.is_superuser = user.is_staff = demo.superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=demo.group)] if demo.group else [])
        if demo.agency_code:
            Profile.objects.update_or_create(
                user=user, defaults={"agency": Agency.objects.get(code=demo.agency_code)}
            )
    return DEMO_USERS
