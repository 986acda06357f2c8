"""Store each unit's breakdown as numbers and the breakdown nodes' codes and names once per run.

The column keeps its name; results stored before keep their full breakdown, which is read as it is.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rankings", "0004_breakdown_lz4_compression")]

    operations = [
        migrations.AddField(
            model_name="indexrun",
            name="catalogue",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(model_name="unitresult", old_name="breakdown", new_name="breakdown_data"),
                migrations.AlterField(
                    model_name="unitresult",
                    name="breakdown_data",
                    field=models.JSONField(blank=True, db_column="breakdown", default=dict),
                ),
            ],
        ),
    ]
