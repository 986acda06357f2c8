"""Drop the generated columns that 0003 used to add on PostgreSQL (nothing reads them any more).

IF EXISTS: databases migrated after 0003 became a no-op never had them. Other databases never had them.
"""

from django.db import migrations

COLUMNS = ("points_cents", "input_hash")


def drop_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        drops = ", ".join(f"DROP COLUMN IF EXISTS {name}" for name in COLUMNS)
        schema_editor.execute(f"ALTER TABLE surveys_surveyleafresult {drops}")


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_leafresult_computed_columns")]

    operations = [migrations.RunPython(drop_columns, migrations.RunPython.noop)]
