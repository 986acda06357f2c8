"""Formerly added PostgreSQL generated columns to survey leaf results for a second implementation of the
index.

That implementation is gone (the rules live in assessments/index_rules.py only); this migration is kept,
doing nothing, so the migration graph stays the same. 0004 drops the columns where they were added.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_question_leaf_code_and_response_indexes")]

    operations = []
