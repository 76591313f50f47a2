from rest_framework.routers import SimpleRouter

from .views import StaffMemberViewSet, TrainingCompletionViewSet, TrainingCourseViewSet

app_name = "workforce-api"

router = SimpleRouter()
router.register("staff", StaffMemberViewSet, basename="staff")
router.register("training-courses", TrainingCourseViewSet, basename="training-course")
router.register("training-completions", TrainingCompletionViewSet, basename="training-completion")

urlpatterns = router.urls
