from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Đơn vị, kỳ báo cáo và số liệu")

    def ready(self) -> None:
        from indicators import data_version

        data_version.connect_signals()
