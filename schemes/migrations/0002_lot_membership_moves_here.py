"""Lot memberships move from procurement to schemes, keeping their table: the state moves here
(procurement's 0002 drops it from procurement's state), no data moves, and the content type is
renamed so audit events and alerts about memberships still find their records."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _rename_content_type(apps, old_app, new_app):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label=new_app, model="lotmembership").exists():
        content_type.objects.filter(app_label=old_app, model="lotmembership").update(app_label=new_app)


def forwards(apps, schema_editor):
    _rename_content_type(apps, "procurement", "schemes")


def backwards(apps, schema_editor):
    _rename_content_type(apps, "schemes", "procurement")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0002_alerts"),
        ("procurement", "0001_membership_and_calloffs"),
        ("schemes", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LotMembership",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("applied", "Applied"),
                                    ("admitted", "Admitted"),
                                    ("rejected", "Rejected"),
                                    ("suspended", "Suspended"),
                                    ("withdrawn", "Withdrawn"),
                                ],
                                default="applied",
                                max_length=20,
                            ),
                        ),
                        (
                            "statement",
                            models.TextField(blank=True, help_text="The provider's supporting statement."),
                        ),
                        (
                            "criteria_results",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text="Each entry criterion, met or not, when the provider applied.",
                            ),
                        ),
                        (
                            "declarations",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text="Ids of the criteria the provider declared it meets.",
                            ),
                        ),
                        ("applied_at", models.DateTimeField(blank=True, null=True)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("decision_reason", models.TextField(blank=True)),
                        ("suspended_at", models.DateTimeField(blank=True, null=True)),
                        ("suspension_reason", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "applied_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "commissioner",
                            models.ForeignKey(
                                help_text="The lot's framework's.",
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="portal.organisation",
                            ),
                        ),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "lot",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="memberships",
                                to="schemes.lot",
                            ),
                        ),
                        (
                            "provider",
                            models.ForeignKey(
                                limit_choices_to={"kind": "provider"},
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="lot_memberships",
                                to="portal.organisation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "procurement_lotmembership",
                        "ordering": ["lot__framework", "lot__position", "provider__name"],
                        "indexes": [
                            models.Index(fields=["commissioner", "status"], name="membership_status_idx")
                        ],
                        "constraints": [
                            models.UniqueConstraint(fields=("lot", "provider"), name="membership_unique_lot")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
