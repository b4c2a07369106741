from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations


def load_reference_data(apps, schema_editor):
    from indicators.agencies import load_agencies
    from indicators.models import ensure_periods
    from indicators.roles import create_groups

    load_agencies(apps.get_model("indicators", "Agency"))
    Plan = apps.get_model("targets", "Plan")
    for year in Plan.objects.values_list("year", flat=True):
        ensure_periods(year, settings.REPORTING_DEADLINE_DAY, apps.get_model("indicators", "Period"))

    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    create_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("targets", "0002_plan_829"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
