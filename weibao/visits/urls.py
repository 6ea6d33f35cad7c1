from django.urls import path

from weibao.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.worklist_view, name="worklist"),
    path("start/<int:child_id>/", views.visit_start_view, name="start"),
    path("returned-home/<int:child_id>/", views.returned_home_view, name="returned_home"),
    path("ledger.xlsx", views.ledger_export_view, name="ledger"),
    path("export.xlsx", views.visit_list_export_view, name="export"),
    path("rules/", views.rules_view, name="rules"),
    path("rules/<int:pk>/", views.rule_update_view, name="rule_update"),
    path("attachments/<int:pk>/", views.attachment_download_view, name="attachment"),
    path("<int:pk>/", views.visit_detail_view, name="detail"),
    path("<int:pk>/edit/", views.visit_edit_view, name="edit"),
    path("<int:pk>/autosave/", views.visit_autosave_view, name="autosave"),
    path("<int:pk>/complete/", views.visit_complete_view, name="complete"),
    path("<int:pk>/discard/", views.visit_discard_view, name="discard"),
    path("<int:pk>/attachments/", views.visit_attach_view, name="attach"),
]
