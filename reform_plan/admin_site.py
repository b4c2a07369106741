"""The admin site (/quan-tri/) for administrators only.

Django's own admin lets in every user with ``is_staff``. Ours also requires ``is_superuser``
(the "Quản trị hệ thống" role): Sở Nội vụ staff, leaders, the committee and agency officers
work in the application pages, never in the admin, even if someone ticks ``is_staff`` for them.
"""

from django.contrib.admin import AdminSite


class SuperuserAdminSite(AdminSite):
    def has_permission(self, request) -> bool:
        """Only active superusers may use the admin."""
        return request.user.is_active and request.user.is_superuser
