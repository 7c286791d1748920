"""The public badge-list link is now a stored random id signed with the secret key; the
column that held the whole link token becomes that id. A link made before this migration has
no signature, so it stops working; the learner's page shows the new link."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0003_erased_assertion"),
    ]

    operations = [
        migrations.RenameField(model_name="badgeshare", old_name="token", new_name="link_id"),
        migrations.AlterField(
            model_name="badgeshare",
            name="link_id",
            field=models.CharField(max_length=64, unique=True, verbose_name="link id"),
        ),
    ]
