"""Columns of survey leaf results computed by PostgreSQL for the index computation (rankings/pg_sums.py).

Generated from the row itself on every write, so they can never disagree with it: the points in integer
hundredths and a 64-bit hash of the leaf, the points and the import (for the digest of an index run's
inputs). The models do not declare them: nothing else reads them, and other databases (SQLite in the
embedded mode) compute the index from the fields.
"""

from django.db import migrations

from parindex.migration_ops import postgresql_generated_columns

COLUMNS = {
    "points_cents": "integer GENERATED ALWAYS AS ((points * 100)::integer) STORED",
    # Points are never negative, so -1 stands for none.
    "input_hash": ("bigint GENERATED ALWAYS AS (hashint8extended(leaf_id, "
                   "hash_numeric_extended(COALESCE(points, -1), survey_import_id))) STORED"),
}


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_question_leaf_code_and_response_indexes")]

    operations = [postgresql_generated_columns("surveys_surveyleafresult", COLUMNS)]
