from django.db import migrations


def create_head(apps, schema_editor):
    # The chain's head row exists before the first append, so concurrent first writers lock it
    # instead of racing to insert it.
    apps.get_model("journal", "Head").objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [("journal", "0002_initial")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
