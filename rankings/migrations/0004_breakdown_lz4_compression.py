"""Store UnitResult.breakdown with lz4 instead of pglz on PostgreSQL servers built with it.

An index run writes several kilobytes of breakdown JSON per unit; compressing them with pglz takes
about as long as the rest of the write at tens of thousands of units. lz4 is about twice as fast to
write and to read. Other databases, and servers without lz4, are left as they are.
"""

from django.db import migrations


def _lz4_available(cursor) -> bool:
    cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
    row = cursor.fetchone()
    return bool(row and row[0])


def to_lz4(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if _lz4_available(cursor):
            cursor.execute("ALTER TABLE rankings_unitresult ALTER COLUMN breakdown SET COMPRESSION lz4")


def to_default(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE rankings_unitresult ALTER COLUMN breakdown SET COMPRESSION DEFAULT")


class Migration(migrations.Migration):
    dependencies = [("rankings", "0003_result_within_maximum")]

    operations = [migrations.RunPython(to_lz4, to_default)]
