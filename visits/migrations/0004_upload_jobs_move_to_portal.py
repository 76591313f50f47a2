# Upload jobs now belong to portal (portal/migrations/0003_upload_jobs), which keeps this table:
# visits lets go of the model without touching the database.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0003_upload_jobs"),
        ("visits", "0003_drop_indexes_covered_by_composites"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="UploadJob")],
            database_operations=[],
        ),
    ]
