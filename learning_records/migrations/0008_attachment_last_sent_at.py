"""AttachmentContent.last_sent_at: when a statement last came with the data. Existing rows
start from when they were first stored, which is what retention compared before."""

from django.db import migrations, models
from django.db.models import F


def from_created_at(apps, schema_editor):
    attachments = apps.get_model("learning_records", "AttachmentContent")
    attachments.objects.update(last_sent_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("learning_records", "0007_statement_retention"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachmentcontent",
            name="last_sent_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(from_created_at, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="attachmentcontent",
            name="last_sent_at",
            field=models.DateTimeField(),
        ),
    ]
