"""Columns of leaf scores computed by PostgreSQL for the index computation (rankings/pg_sums.py).

Generated from the row itself on every write, so they can never disagree with it: the points in integer
hundredths, whether the leaf is confirmed not applicable, and a 64-bit hash of every field the scoring
rules read (for the digest of an index run's inputs). The models do not declare them: nothing else
reads them, and other databases (SQLite in the embedded mode) compute the index from the fields.
"""

from django.db import migrations

from parindex.migration_ops import postgresql_generated_columns

COLUMNS = {
    "self_cents": "integer GENERATED ALWAYS AS ((self_points * 100)::integer) STORED",
    "app_cents": "integer GENERATED ALWAYS AS ((app_points * 100)::integer) STORED",
    "na_confirmed": "boolean GENERATED ALWAYS AS (self_na AND na_decision = 'confirmed') STORED",
    # Points are never negative, so -1 stands for none.
    "input_hash": ("bigint GENERATED ALWAYS AS (hash_numeric_extended(COALESCE(self_points, -1), "
                   "hash_numeric_extended(COALESCE(app_points, -1), "
                   "hashtextextended(na_decision, node_id * 2 + self_na::integer)))) STORED"),
}


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_initial")]

    operations = [postgresql_generated_columns("assessments_leafscore", COLUMNS)]
