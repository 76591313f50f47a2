from django.urls import path

from . import views
from .kinds import BY_SLUG

app_name = "records"

urlpatterns = [path("", views.RecordIndexView.as_view(), name="index")]
for _slug in BY_SLUG:
    _views = views.views_for(_slug)
    urlpatterns += [
        path(f"{_slug}/", _views["list"], name=f"{_slug}-list"),
        path(f"{_slug}/new/", _views["create"], name=f"{_slug}-create"),
        path(f"{_slug}/<int:pk>/", _views["detail"], name=f"{_slug}-detail"),
        path(f"{_slug}/<int:pk>/edit/", _views["edit"], name=f"{_slug}-edit"),
        path(f"{_slug}/upload/", _views["upload"], name=f"{_slug}-upload"),
        path(f"{_slug}/upload/template.<str:fmt>", _views["template"], name=f"{_slug}-template"),
    ]
