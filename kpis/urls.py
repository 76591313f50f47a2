from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [
    path("", views.ReturnListView.as_view(), name="index"),
    path("compute/", views.ComputeQuarterView.as_view(), name="compute"),
    path("table/", views.QuarterTableView.as_view(), name="table"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("definitions/<int:pk>/trend/", views.TrendView.as_view(), name="trend"),
    path("returns/<int:pk>/", views.ReturnDetailView.as_view(), name="return-detail"),
    path("returns/<int:pk>/edit/", views.ReturnEditView.as_view(), name="return-edit"),
    path("returns/<int:pk>/submit/", views.ReturnSubmitView.as_view(), name="return-submit"),
    path("returns/<int:pk>/query/", views.ReturnQueryView.as_view(), name="return-query"),
    path("returns/<int:pk>/answer/", views.ReturnAnswerView.as_view(), name="return-answer"),
    path("returns/<int:pk>/accept/", views.ReturnAcceptView.as_view(), name="return-accept"),
    path("returns/<int:pk>/council-figures/", views.CouncilFiguresView.as_view(), name="return-council"),
    path("returns/<int:pk>/recompute/", views.ReturnRecomputeView.as_view(), name="return-recompute"),
    path("contracts/<int:pk>/", views.ContractKpisView.as_view(), name="contract-kpis"),
    path("values/<int:pk>/records/", views.ValueRecordsView.as_view(), name="value-records"),
]
