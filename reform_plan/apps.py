from django.contrib.admin.apps import AdminConfig


class SuperuserAdminConfig(AdminConfig):
    """django.contrib.admin with our superuser-only site as ``admin.site``."""

    default_site = "reform_plan.admin_site.SuperuserAdminSite"
