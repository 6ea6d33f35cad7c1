"""The workstations' pages (signed in)."""

from django.urls import path

from weibao.stations import views

app_name = "stations"

urlpatterns = [
    path("", views.station_list_view, name="list"),
    path("new/", views.station_create_view, name="create"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("coverage/export/", views.coverage_export_view, name="coverage_export"),
    path("coverage/snapshot/", views.coverage_snapshot_view, name="coverage_snapshot"),
    path("standards/", views.standard_list_view, name="standards"),
    path("standards/new/", views.standard_create_view, name="standard_create"),
    path("standards/<int:pk>/", views.standard_detail_view, name="standard"),
    path("standards/<int:pk>/edit/", views.standard_edit_view, name="standard_edit"),
    path("standards/<int:pk>/items/new/", views.standard_item_add_view, name="standard_item_add"),
    path(
        "standard-items/<int:pk>/edit/",
        views.standard_item_edit_view,
        name="standard_item_edit",
    ),
    path(
        "standard-items/<int:pk>/remove/",
        views.standard_item_remove_view,
        name="standard_item_remove",
    ),
    path("zones/<int:pk>/edit/", views.zone_edit_view, name="zone_edit"),
    path("zones/<int:pk>/remove/", views.zone_remove_view, name="zone_remove"),
    path("photos/<int:pk>/", views.photo_view, name="photo"),
    path("photos/<int:pk>/edit/", views.photo_update_view, name="photo_update"),
    path("photos/<int:pk>/remove/", views.photo_remove_view, name="photo_remove"),
    path("evidence-files/<int:pk>/", views.evidence_file_view, name="evidence_file"),
    path(
        "evidence-files/<int:pk>/remove/",
        views.evidence_file_remove_view,
        name="evidence_file_remove",
    ),
    path("<int:pk>/", views.station_detail_view, name="detail"),
    path("<int:pk>/edit/", views.station_edit_view, name="edit"),
    path("<int:pk>/status/<slug:name>/", views.station_transition_view, name="transition"),
    path("<int:pk>/publish/", views.station_publish_view, name="publish"),
    path("<int:pk>/zones/new/", views.zone_add_view, name="zone_add"),
    path("<int:pk>/photos/", views.photo_add_view, name="photo_add"),
    path("<int:pk>/items/<slug:code>/", views.item_view, name="item"),
    path(
        "<int:pk>/items/<slug:code>/files/",
        views.evidence_file_add_view,
        name="evidence_file_add",
    ),
    path("<int:pk>/items/<slug:code>/review/", views.review_view, name="review"),
]
