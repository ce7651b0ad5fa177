from django.db import migrations


def install(apps, schema_editor):
    from duban.journal import triggers

    triggers.install(schema_editor.connection)


def drop(apps, schema_editor):
    from duban.journal import triggers

    triggers.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("journal", "0003_head_row")]
    operations = [migrations.RunPython(install, drop)]
