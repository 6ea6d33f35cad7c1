from django.urls import path

from weibao.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("projects/new/", views.project_create_view, name="project_create"),
    path("projects/<int:pk>/", views.project_detail_view, name="project"),
    path("projects/<int:pk>/edit/", views.project_edit_view, name="project_edit"),
    path("new/", views.activity_create_view, name="activity_create"),
    path("<int:pk>/", views.activity_detail_view, name="activity"),
    path("<int:pk>/edit/", views.activity_edit_view, name="activity_edit"),
    path("<int:pk>/state/", views.activity_state_view, name="activity_state"),
    path("<int:pk>/signups/", views.signup_add_view, name="signup_add"),
    path("<int:pk>/walkins/", views.walkin_add_view, name="walkin_add"),
    path("<int:pk>/attendance/", views.attendance_view, name="attendance"),
    path("<int:pk>/photos/", views.photo_add_view, name="photo_add"),
    path("<int:pk>/feedback/", views.feedback_add_view, name="feedback_add"),
    path("signups/<int:pk>/cancel/", views.signup_cancel_view, name="signup_cancel"),
    path("photos/<int:pk>/", views.photo_view, name="photo"),
    path("photos/<int:pk>/remove/", views.photo_remove_view, name="photo_remove"),
    path("passport/<int:child_id>/", views.passport_view, name="passport"),
    path("figures/", views.figures_view, name="figures"),
    path("figures/export/", views.figures_export_view, name="figures_export"),
]
