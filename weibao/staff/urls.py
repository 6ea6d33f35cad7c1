from django.urls import path

from weibao.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list_view, name="list"),
    path("new/", views.staff_create_view, name="create"),
    path("team/", views.team_view, name="team"),
    path("team/<int:pk>/", views.team_subdistrict_view, name="team_subdistrict"),
    path("<int:pk>/", views.staff_detail_view, name="detail"),
    path("<int:pk>/edit/", views.staff_edit_view, name="edit"),
    path("<int:pk>/end/", views.staff_end_view, name="end"),
    path("<int:pk>/reveal/", views.staff_reveal_view, name="reveal"),
    path("<int:pk>/account/", views.staff_account_view, name="account"),
    path("<int:pk>/link/", views.staff_link_view, name="link"),
    path("<int:pk>/honours/", views.honour_add_view, name="honour_add"),
    path("honours/<int:pk>/remove/", views.honour_remove_view, name="honour_remove"),
]
