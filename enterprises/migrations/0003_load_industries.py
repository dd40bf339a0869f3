from django.db import migrations


def load(apps, schema_editor):
    from enterprises.reference import load_industries

    load_industries(apps.get_model("enterprises", "Industry"))


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
