from django.urls import path

from weibao.council import views

app_name = "council"

urlpatterns = [
    path("", views.council_list_view, name="list"),
    path("<int:pk>/", views.council_detail_view, name="detail"),
    path("<int:pk>/members/new/", views.member_create_view, name="member_create"),
    path("<int:pk>/meetings/new/", views.meeting_create_view, name="meeting_create"),
    path("members/<int:pk>/", views.member_edit_view, name="member_edit"),
    path("meetings/<int:pk>/", views.meeting_detail_view, name="meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit_view, name="meeting_edit"),
    path("meetings/<int:pk>/decisions/", views.decision_create_view, name="decision_create"),
]
