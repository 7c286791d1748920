from django.db import migrations, models

# PostgreSQL multiplies the selectivities of `agent_hash = … AND agent_key = …` as if they
# were independent, so a frequent agent is estimated at a few rows and its page is sorted
# in memory instead of read off the ordered index. Each hash determines its text: telling
# the planner so (functional-dependency statistics) fixes the estimates.
_STATISTICS = (
    ("statement_verb_stats", "verb_hash, verb_iri", "learning_records_statement"),
    ("statement_agent_stats", "agent_hash, agent_key", "learning_records_statementagent"),
    (
        "statement_activity_stats",
        "activity_hash, activity_iri",
        "learning_records_statementactivity",
    ),
)


def _create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns, table in _STATISTICS:
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {name} (dependencies) ON {columns} FROM {table}"
        )


def _drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in _STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("learning_records", "0004_drop_org_fk_indexes"),
        ("network", "0003_verbose_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="statement",
            index=models.Index(
                condition=models.Q(("object_statement_id__isnull", False)),
                fields=["organisation", "stored", "id"],
                name="statement_ref_order",
            ),
        ),
        migrations.RunPython(_create_statistics, _drop_statistics),
    ]
