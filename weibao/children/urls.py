from django.urls import path

from weibao.children import access_views, views

app_name = "children"
urlpatterns = [
    path("", views.child_list_view, name="list"),
    path("export.xlsx", views.child_export_view, name="export"),
    path("new/", views.child_create_view, name="create"),
    path("<int:pk>/", views.child_detail_view, name="detail"),
    path("<int:pk>/edit/", views.child_edit_view, name="edit"),
    path("<int:pk>/status/", views.child_status_view, name="status"),
    path("<int:pk>/reveal/", views.child_reveal_view, name="reveal"),
    path("<int:pk>/access/", access_views.child_access_log_view, name="access_log"),
    path("unusual-access/", access_views.unusual_access_view, name="unusual_access"),
]
