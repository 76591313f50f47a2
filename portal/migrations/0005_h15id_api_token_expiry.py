"""Every API key expires (issue 15): keys issued without an expiry get one 90 days from now."""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone


def give_expiry(apps, schema_editor):
    ApiToken = apps.get_model("portal", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=timezone.now() + dt.timedelta(days=90))


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_h17api_webhooks")]

    operations = [
        # Reversed, the keys keep the expiry they were given: a date is as good as none was.
        migrations.RunPython(give_expiry, migrations.RunPython.noop),
        migrations.AlterField(model_name="apitoken", name="expires_at", field=models.DateTimeField()),
    ]
