from django.contrib import admin

from portal.admin import TenantModelAdmin

from .models import (
    Activity,
    ActivityAttendance,
    AlarmCall,
    Complaint,
    NominationDecision,
    SafeguardingIncident,
    SurveyResponse,
    Void,
)

# Care records: the operator's admin lists them through visible_to, so it sees none.
for _model in (
    AlarmCall,
    Complaint,
    SafeguardingIncident,
    SurveyResponse,
    Void,
    NominationDecision,
    Activity,
    ActivityAttendance,
):
    admin.site.register(_model, TenantModelAdmin)
