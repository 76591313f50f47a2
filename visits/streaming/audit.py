# ruff: noqa: S608 - the SQL here is built from our own table names and constants; values are parameters.
"""Audit: one audit event per visit written, in SQL — "recorded" for new visits, "updated" with
{field: [old, new]} for changed ones, as `portal.audit` writes them for small files."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from portal.audit import actor_display_name
from portal.models import AuditEvent
from portal.uploads.checks import sql_literal

from ..models import Visit, VisitStatus
from ..validation import COMPARED_FIELDS
from .context import Import
from .resolve import CHANGED, final

LABELS = " ".join(
    f"WHEN {sql_literal(value)} THEN {sql_literal(str(label))}" for value, label in VisitStatus.choices
)
#: str(visit), as the audit trail names it.
REPR = (
    "left(t.order_reference || ' ' || to_char(v.scheduled_start AT TIME ZONE 'Europe/London', 'DD Mon YYYY HH24:MI') "
    f"|| ' (' || CASE v.status {LABELS} END || ')', 200)"
)
CHANGES = (
    "jsonb_strip_nulls(jsonb_build_object("
    + ", ".join(
        f"{sql_literal(c)}, CASE WHEN {final(c)} IS DISTINCT FROM t.old_{c} "
        f"THEN jsonb_build_array(to_jsonb(t.old_{c}), to_jsonb({final(c)})) END"
        for c in COMPARED_FIELDS
    )
    + "))"
)


def audit(imp: Import) -> None:
    note = f"Upload {imp.job.pk} ({imp.job.original_name})"
    content_type = ContentType.objects.get_for_model(Visit)
    insert = (
        f"INSERT INTO {AuditEvent._meta.db_table} (at, actor_id, actor_organisation_id, actor_name, "
        "actor_organisation_name, action, content_type_id, object_id, object_repr, changes, note, commissioner_id, provider_id) "
        f"SELECT %s, %s, %s, %s, %s, {{action}}, %s, CAST(v.id AS TEXT), {REPR}, {{changes}}, %s, v.commissioner_id, "
        f"v.provider_id FROM {imp.tables.written} v JOIN {imp.tables.rows} t ON v.order_id = t.order_id "
        "AND v.scheduled_start = t.scheduled_start AND v.carer_reference = t.carer_reference "
        "WHERE t.keyed = 1 AND t.key_rank = 1 AND {where}"
    )
    actor = imp.actor
    # The actor's names as they are now, as `portal.audit.record` writes them.
    params = [
        imp.now,
        actor.pk,
        actor.organisation_id,
        actor_display_name(actor),
        actor.organisation.name,
        content_type.pk,
        note,
    ]
    imp.sql(insert.format(action="'recorded'", changes="'{}'::jsonb", where="t.existing_id IS NULL"), params)
    imp.sql(
        insert.format(
            action="'updated'", changes=CHANGES, where=f"t.existing_id IS NOT NULL AND ({CHANGED})"
        ),
        params,
    )
