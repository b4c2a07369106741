"""Who may see and who may enter which agency's figures: the one place these rules live.

Every entry, review, Excel and evidence view asks this module, on the server, for every request
(issue #4, "Permissions on the server for every request"):

- Sở Nội vụ staff (``enter_any_agency``) see and enter every agency's figures; with
  ``approve_measurement`` they approve, return and reopen them.
- An agency officer (``enter_own_agency``) sees and enters the figures of the agency of their
  ``Profile``. When that agency is a district-level unit (Phòng Nội vụ cấp huyện), they also see
  and enter the figures of the district's communes, since most communes report through their
  district.
- Viewers (Lãnh đạo, Ban Chỉ đạo: ``view_dashboard``) see every agency's figures and the
  completeness page but may not post anything.

An object a user may not see answers 404 (its existence is not revealed); an object a user may
see but not change answers 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from indicators.models import Agency, Measurement
from targets.models import Level

ENTER_ANY = "indicators.enter_any_agency"
ENTER_OWN = "indicators.enter_own_agency"
APPROVE = "indicators.approve_measurement"
VIEW_ALL = "indicators.view_dashboard"


def own_agency(user) -> Agency | None:
    """The agency a user's profile links them to, if any."""
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return profile.agency if profile is not None else None


def can_enter(user) -> bool:
    """Whether the user may enter figures at all (for some agency)."""
    if user.has_perm(ENTER_ANY):
        return True
    return user.has_perm(ENTER_OWN) and own_agency(user) is not None


def can_approve(user) -> bool:
    """Whether the user may approve, return and reopen figures (Sở Nội vụ staff)."""
    return user.has_perm(APPROVE)


def can_view_entry_pages(user) -> bool:
    """Whether the user may open the data-entry section at all (read-only for viewers)."""
    return can_enter(user) or user.has_perm(VIEW_ALL)


def enterable_agencies(user) -> QuerySet[Agency]:
    """Active agencies whose figures the user may enter: all for staff; an officer's own agency,
    plus its communes when it is a district-level unit; none for everybody else."""
    agencies = Agency.objects.active()
    if user.has_perm(ENTER_ANY):
        return agencies
    agency = own_agency(user) if user.has_perm(ENTER_OWN) else None
    if agency is None:
        return agencies.none()
    if agency.level == Level.HUYEN:
        return agencies.in_district(agency)
    return agencies.filter(pk=agency.pk)


def visible_agencies(user) -> QuerySet[Agency]:
    """Agencies (active or not) whose figures the user may read: every agency for staff and
    viewers, the enterable ones for an officer."""
    if user.has_perm(ENTER_ANY) or user.has_perm(VIEW_ALL):
        return Agency.objects.all()
    agency = own_agency(user) if user.has_perm(ENTER_OWN) else None
    if agency is None:
        return Agency.objects.none()
    if agency.level == Level.HUYEN:
        return Agency.objects.in_district(agency)
    return Agency.objects.filter(pk=agency.pk)


def get_agency_for_user(user, code: str) -> Agency:
    """The agency with ``code`` if the user may see its figures, else 404."""
    agency = visible_agencies(user).filter(code=code).first()
    if agency is None:
        raise Http404(_("Không tìm thấy đơn vị."))
    return agency


def may_enter_for(user, agency: Agency) -> bool:
    return enterable_agencies(user).filter(pk=agency.pk).exists()


def require_enter(user, agency: Agency) -> None:
    """403 unless the user may enter figures for ``agency`` (which they can already see)."""
    if not may_enter_for(user, agency):
        raise PermissionDenied(_("Bạn không có quyền nhập số liệu cho đơn vị này."))


def require_approve(user) -> None:
    """403 unless the user may approve, return and reopen figures."""
    if not can_approve(user):
        raise PermissionDenied(_("Bạn không có quyền duyệt số liệu."))


def require_entry_section(user) -> None:
    """403 for users who may neither enter nor view figures (no role at all)."""
    if not can_view_entry_pages(user):
        raise PermissionDenied(_("Bạn không có quyền truy cập mục nhập liệu."))


def get_measurement_for_user(user, pk: int) -> Measurement:
    """A measurement whose agency the user may see, else 404."""
    measurement = (
        Measurement.objects.select_related("agency", "period", "indicator", "entered_by")
        .filter(pk=pk, agency__in=visible_agencies(user))
        .first()
    )
    if measurement is None:
        raise Http404(_("Không tìm thấy số liệu."))
    return measurement
