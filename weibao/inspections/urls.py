from django.urls import path

from weibao.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.team_list_view, name="list"),
    path("new/", views.team_create_view, name="team_create"),
    path("findings/", views.finding_list_view, name="findings"),
    path("<int:pk>/", views.team_view, name="team"),
    path("<int:pk>/outcome/", views.outcome_view, name="outcome"),
    path("<int:pk>/members/new/", views.member_add_view, name="member_add"),
    path("<int:pk>/patrols/new/", views.patrol_create_view, name="patrol_create"),
    path("<int:pk>/findings/new/", views.finding_create_view, name="finding_create"),
    path("<int:pk>/meetings/new/", views.meeting_create_view, name="meeting_create"),
    path("members/<int:pk>/leave/", views.member_leave_view, name="member_leave"),
    path("findings/<int:pk>/", views.finding_view, name="finding"),
    path("findings/<int:pk>/photo/", views.finding_photo_view, name="finding_photo"),
    path("findings/<int:pk>/<slug:name>/", views.finding_step_view, name="finding_step"),
    path("meetings/<int:pk>/", views.meeting_view, name="meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit_view, name="meeting_edit"),
]
