from rest_framework.routers import SimpleRouter

from . import views

app_name = "records-api"

router = SimpleRouter()
router.register("alarm-calls", views.AlarmCallViewSet, basename="alarm-call")
router.register("complaints", views.ComplaintViewSet, basename="complaint")
router.register("safeguarding-incidents", views.SafeguardingViewSet, basename="safeguarding-incident")
router.register("survey-responses", views.SurveyViewSet, basename="survey-response")
router.register("voids", views.VoidViewSet, basename="void")
router.register("nomination-decisions", views.NominationViewSet, basename="nomination-decision")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("activity-attendance", views.AttendanceViewSet, basename="activity-attendance")

urlpatterns = router.urls
