from django.shortcuts import render

from targets.plans import current_plan, targets_by_focus_area


def home(request):
    """The start page: which plan is shown and its targets grouped by focus area."""
    plan = current_plan()
    return render(
        request,
        "targets/home.html",
        {"plan": plan, "groups": targets_by_focus_area(plan) if plan else []},
    )


def plan_detail(request):
    plan = current_plan()
    return render(
        request,
        "targets/plan_detail.html",
        {"plan": plan, "groups": targets_by_focus_area(plan) if plan else []},
    )
