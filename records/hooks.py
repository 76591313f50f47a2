from portal.hooks import demo_module, register_nav, register_personal_data, register_upload

from .kinds import SPECS
from .models import ActivityAttendance, AlarmCall, Complaint, SafeguardingIncident, SurveyResponse

register_nav("Records", "records:index", sides=("commissioner", "provider"), order=47)
for _spec in SPECS.values():
    register_upload(_spec)

# Records about a named person: reading them goes in the access log (issue 15).
for _model, _label in (
    (AlarmCall, "alarm call"),
    (Complaint, "complaint"),
    (SafeguardingIncident, "safeguarding incident"),
    (SurveyResponse, "survey response"),
    (ActivityAttendance, "activity attendance"),
):
    register_personal_data(_model, label=_label, person="service_user", person_filters=("service_user",))


demo_module(35, "records.demo")
