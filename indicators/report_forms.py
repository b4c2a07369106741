from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.attainment import Scope
from indicators.models import Agency, Period
from indicators.text_input import RejectControlCharacters
from targets.models import Level


class ReportOptionsForm(RejectControlCharacters, forms.Form):
    """The report's options, all in the URL: period, scope (province or one district), annex."""

    period = forms.ChoiceField(label=_("Kỳ báo cáo"), required=False)
    scope = forms.ChoiceField(label=_("Phạm vi"), required=False)
    annex = forms.BooleanField(label=_("Kèm phụ lục theo đơn vị"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = {p.code: p for p in Period.objects.all()}
        self.districts = {a.code: a for a in Agency.objects.filter(level=Level.HUYEN)}
        self.fields["period"].choices = [(c, p.label) for c, p in self.periods.items()]
        self.fields["scope"].choices = [("", _("Toàn tỉnh"))] + [
            (code, a.name) for code, a in self.districts.items()
        ]
        self.fields["period"].error_messages["invalid_choice"] = _(
            "Không có kỳ báo cáo “%(value)s”."
        )
        self.fields["scope"].error_messages["invalid_choice"] = _(
            "Không có đơn vị cấp huyện mã “%(value)s”."
        )

    def period_or(self, default: Period | None) -> Period | None:
        code = self.cleaned_data.get("period")
        return self.periods[code] if code else default

    def report_scope(self) -> Scope:
        code = self.cleaned_data.get("scope")
        return Scope.district(self.districts[code]) if code else Scope.province()
