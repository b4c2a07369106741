"""Finding the plan a page shows and arranging its targets."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from targets.models import FocusArea, Plan, Target

INDICES_GROUP = _("Các chỉ số đánh giá cấp tỉnh (đo lường kết quả cả sáu lĩnh vực)")


@dataclass(frozen=True)
class TargetGroup:
    name: str
    targets: list[Target]


def current_plan(year: int | None = None) -> Plan | None:
    """The plan for ``year``, or the latest plan when no year is given."""
    plans = Plan.objects.all()
    if year is not None:
        plans = plans.filter(year=year)
    return plans.order_by("-year").first()


def targets_by_focus_area(plan: Plan) -> list[TargetGroup]:
    """The plan's targets grouped by focus area in the plan's order; the composite indices,
    which have no single focus area, come last in a group of their own. Two queries."""
    areas = list(FocusArea.objects.filter(plan=plan))
    targets = list(Target.objects.filter(plan=plan).select_related("indicator"))
    groups = [
        TargetGroup(area.name, [t for t in targets if t.focus_area_id == area.id]) for area in areas
    ]
    indices = TargetGroup(str(INDICES_GROUP), [t for t in targets if t.focus_area_id is None])
    return groups + ([indices] if indices.targets else [])
