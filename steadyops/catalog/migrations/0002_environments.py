from django.db import migrations

ENVIRONMENTS = [("production", "Production", 0), ("staging", "Staging", 10)]


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    Environment = apps.get_model("catalog", "Environment")
    for slug, name, position in ENVIRONMENTS:
        Environment.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
