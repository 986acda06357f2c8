"""Drop the generated columns that 0003 used to add on PostgreSQL (nothing reads them any more).

IF EXISTS: databases migrated after 0003 became a no-op never had them. Other databases never had them.
"""

from django.db import migrations

COLUMNS = ("self_cents", "app_cents", "na_confirmed", "input_hash")


def drop_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        drops = ", ".join(f"DROP COLUMN IF EXISTS {name}" for name in COLUMNS)
        schema_editor.execute(f"ALTER TABLE assessments_leafscore {drops}")


class Migration(migrations.Migration):
    dependencies = [("assessments", "0004_round_survey_min_forms")]

    operations = [migrations.RunPython(drop_columns, migrations.RunPython.noop)]
