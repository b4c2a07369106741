"""The four roles, as Django groups, and what each may do.

Each group gets the permissions it needs and no more (issue: foundation, "People and roles"):
- Chuyên viên Sở Nội vụ: enter figures for any agency, approve or return them, see dashboards
  and reports (they prepare the committee's report).
- Cán bộ đơn vị: enter figures for their own agency only (linked through ``Profile``).
- Lãnh đạo: view dashboards.
- Ban Chỉ đạo: view dashboards and print summaries.
"""

STAFF = "Chuyên viên Sở Nội vụ"
OFFICER = "Cán bộ đơn vị"
LEADER = "Lãnh đạo"
COMMITTEE = "Ban Chỉ đạo"

ROLE_PERMISSIONS = {
    STAFF: [
        "enter_any_agency",
        "approve_measurement",
        "view_dashboard",
        "view_report",
        "view_measurement",
    ],
    OFFICER: ["enter_own_agency", "view_measurement"],
    LEADER: ["view_dashboard"],
    COMMITTEE: ["view_dashboard", "view_report"],
}


def create_groups(group_model, permission_model) -> None:
    """Create the groups and set exactly their permissions (idempotent)."""
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        perms = permission_model.objects.filter(
            content_type__app_label="indicators",
            content_type__model="measurement",
            codename__in=codenames,
        )
        missing = set(codenames) - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"Missing permissions for {name}: {sorted(missing)}")
        group.permissions.set(perms)
