from django.db import migrations


def load_plan(apps, schema_editor):
    from targets import plan_829

    plan_829.load(apps)


class Migration(migrations.Migration):
    dependencies = [("targets", "0001_initial")]
    operations = [migrations.RunPython(load_plan, migrations.RunPython.noop)]
