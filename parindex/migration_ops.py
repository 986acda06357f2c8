"""Migration operations shared by the apps. Migrations import them: change them only compatibly."""

from django.db import migrations


def postgresql_generated_columns(table: str, columns: dict[str, str]) -> migrations.RunPython:
    """Add stored generated columns ({name: "type GENERATED ALWAYS AS (...) STORED"}) to ``table`` on
    PostgreSQL; nothing on other databases. Reversible: the columns are dropped."""

    def add(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} " + ", ".join(f"ADD COLUMN {n} {spec}" for n, spec in columns.items()))

    def remove(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {table} " + ", ".join(f"DROP COLUMN {n}" for n in columns))

    return migrations.RunPython(add, remove, elidable=False)
