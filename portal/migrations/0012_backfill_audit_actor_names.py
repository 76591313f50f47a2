"""Fill in the actor's names on audit entries written before the names were stored (issue 15):
from the account and organisation as they are now. Reversed, the names are cleared."""

from django.db import migrations

FILL = """
UPDATE portal_auditevent e
SET actor_name = CASE
        WHEN btrim(u.first_name || ' ' || u.last_name) = '' THEN u.username
        ELSE btrim(u.first_name || ' ' || u.last_name) || ' (' || u.username || ')'
    END,
    actor_organisation_name = COALESCE(o.name, '')
FROM portal_user u
LEFT JOIN portal_organisation o ON o.id = u.organisation_id
WHERE e.actor_id = u.id AND e.actor_name = ''
"""

CLEAR = "UPDATE portal_auditevent SET actor_name = '', actor_organisation_name = ''"


class Migration(migrations.Migration):
    dependencies = [("portal", "0011_audit_actor_names_and_invitations")]

    operations = [migrations.RunSQL(FILL, CLEAR)]
