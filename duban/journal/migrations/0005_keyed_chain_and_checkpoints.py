from django.db import migrations, models


def key_the_chain(apps, schema_editor):
    # A journal written before keys were introduced keeps its plain SHA-256 rows; the key signs
    # every row from the next one on, and the head's seal binds that boundary to the key so it
    # cannot later be moved to pass rewritten rows off as old ones. A fresh database has no rows:
    # its key is found or made at the first journaled write.
    from duban.journal import keys, triggers

    triggers.install(schema_editor.connection)
    Head = apps.get_model("journal", "Head")
    head = Head.objects.filter(id=1).first()
    if head is None or head.seq == 0:
        return
    key = keys.load(create=True)
    Head.objects.filter(id=1).update(keyed_from=head.seq + 1, key_seal=keys.seal(key, head.seq + 1))


class Migration(migrations.Migration):
    dependencies = [("journal", "0004_append_only_triggers")]

    operations = [
        migrations.CreateModel(
            name="Checkpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(unique=True, verbose_name="行号")),
                ("hash", models.CharField(max_length=64)),
                ("at", models.DateTimeField(verbose_name="时间")),
                ("signature", models.CharField(max_length=64)),
            ],
            options={"ordering": ["seq"]},
        ),
        migrations.AddField(
            model_name="head",
            name="key_seal",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="head",
            name="keyed_from",
            field=models.BigIntegerField(default=1),
        ),
        # Keyed rows cannot be turned back into plain ones: going back leaves them as they are.
        migrations.RunPython(key_the_chain, migrations.RunPython.noop),
    ]
