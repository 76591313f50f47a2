# Upload jobs move from visits to portal (the upload framework serves every app). The table keeps
# its name, visits_uploadjob: only Django's idea of which app owns it changes, and the content
# type is renamed so that audit events about uploads stay attached to them.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import portal.hooks


def content_type_to_portal(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="portal", model="uploadjob").exists():
        ContentType.objects.filter(app_label="visits", model="uploadjob").update(app_label="portal")


def content_type_to_visits(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="visits", model="uploadjob").exists():
        ContentType.objects.filter(app_label="portal", model="uploadjob").update(app_label="visits")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0002_alerts"),
        ("visits", "0003_drop_indexes_covered_by_composites"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="UploadJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=portal.hooks.upload_kinds, max_length=20)),
                        ("file", models.FileField(blank=True, upload_to="uploads/%Y/%m/")),
                        ("original_name", models.CharField(max_length=255)),
                        ("size_bytes", models.PositiveBigIntegerField(default=0)),
                        ("path", models.CharField(choices=[("small", "Checked row by row (django-import-export)"), ("streaming", "Streamed into a staging table and checked in SQL")], default="small", max_length=10)),
                        ("status", models.CharField(choices=[("checking", "Checking"), ("checked", "Checked, waiting for you to import"), ("rejected", "Rejected: nothing can be imported until the rows are corrected"), ("importing", "Importing"), ("imported", "Imported"), ("failed", "Failed"), ("discarded", "Discarded")], default="checking", max_length=10)),
                        ("phase", models.CharField(blank=True, help_text="What the task is doing now.", max_length=100)),
                        ("progress_done", models.PositiveBigIntegerField(default=0)),
                        ("progress_total", models.PositiveBigIntegerField(default=0)),
                        ("rows_read", models.PositiveIntegerField(blank=True, null=True)),
                        ("rows_new", models.PositiveIntegerField(blank=True, null=True)),
                        ("rows_updated", models.PositiveIntegerField(blank=True, null=True)),
                        ("rows_unchanged", models.PositiveIntegerField(blank=True, null=True)),
                        ("rows_rejected", models.PositiveIntegerField(blank=True, null=True)),
                        ("errors", models.JSONField(blank=True, default=list, help_text="[{row, field, message}], the first 1,000.")),
                        ("errors_total", models.PositiveIntegerField(default=0)),
                        ("failure", models.TextField(blank=True, help_text="Why the upload could not be read or imported.")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("checked_at", models.DateTimeField(blank=True, null=True)),
                        ("imported_at", models.DateTimeField(blank=True, null=True)),
                        ("seconds_taken", models.FloatField(blank=True, null=True)),
                        ("provider", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="portal.organisation")),
                        ("uploaded_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "visits_uploadjob",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["provider", "created_at"], name="upload_provider_created_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_portal, content_type_to_visits),
    ]
