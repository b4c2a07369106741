"""Values every page needs: whether demo figures are present, and the user's role flags."""

from indicators import access
from indicators.models import Measurement
from targets.models import Level


def demo_data(request):
    """Demo figures must be labelled wherever they are shown; one cheap EXISTS per page."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"has_demo_data": Measurement.objects.filter(is_demo=True).exists()}


def navigation(request):
    """The district an officer of a district-level unit may open (their own, with its
    communes), for the header's "Huyện" link; viewers and staff have the link to every district."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.has_perm(access.VIEW_ALL):
        return {}
    agency = access.own_agency(user)
    return {"own_district": agency if agency is not None and agency.level == Level.HUYEN else None}
