"""Lot memberships now live in schemes (see schemes' 0002): drop the model from procurement's
state only; the table stays, under its old name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0001_membership_and_calloffs"),
        ("schemes", "0002_lot_membership_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="LotMembership")],
            database_operations=[],
        ),
    ]
