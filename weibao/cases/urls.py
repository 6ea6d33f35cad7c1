from django.urls import path

from weibao.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list_view, name="list"),
    path("export.xlsx", views.case_export_view, name="export"),
    path("open/<int:child_id>/", views.case_open_view, name="open"),
    path("closing-rules/", views.case_policy_view, name="policy"),
    path("<int:pk>/", views.case_detail_view, name="detail"),
    path("<int:pk>/timeline/", views.case_timeline_view, name="timeline"),
    path("<int:pk>/file/", views.case_file_view, name="file"),
    path("<int:pk>/assess/", views.case_assess_view, name="assess"),
    path(
        "<int:pk>/intervene/",
        views.case_advance_view,
        {"transition": "intervene"},
        name="intervene",
    ),
    path("<int:pk>/serve/", views.case_advance_view, {"transition": "serve"}, name="serve"),
    path("<int:pk>/track/", views.case_advance_view, {"transition": "track"}, name="track"),
    path(
        "<int:pk>/resume-services/",
        views.case_advance_view,
        {"transition": "resume_services"},
        name="resume_services",
    ),
    path("<int:pk>/request-close/", views.case_request_close_view, name="request_close"),
    path("<int:pk>/decide-close/", views.case_decide_close_view, name="decide_close"),
    path("<int:pk>/reopen/", views.case_reopen_view, name="reopen"),
    path("<int:pk>/assign/", views.case_assign_view, name="assign"),
    path("<int:pk>/restrict/", views.case_restrict_view, name="restrict"),
    path("<int:pk>/plan/", views.plan_edit_view, name="plan"),
    path("<int:pk>/plan/versions/", views.plan_versions_view, name="plan_versions"),
    path("<int:pk>/plan/versions/<int:number>/", views.plan_version_view, name="plan_version"),
]
