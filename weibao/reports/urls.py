from django.urls import path

from weibao.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("export.xlsx", views.export_view, name="export"),
    path("new/", views.report_new_view, name="new"),
    path("clocks/", views.clocks_view, name="clocks"),
    path("from-concern/<int:concern_id>/", views.report_from_concern_view, name="from_concern"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/acknowledge/", views.acknowledge_view, name="acknowledge"),
    path("<int:pk>/police/", views.police_view, name="police"),
    path("<int:pk>/link/", views.link_view, name="link"),
    path("<int:pk>/unidentified/", views.unidentified_view, name="unidentified"),
    path("<int:pk>/open-case/", views.open_case_view, name="open_case"),
    path("<int:pk>/close/", views.close_view, name="close"),
]
