from django.urls import path

from weibao.children import views

app_name = "children"
urlpatterns = [
    path("", views.child_list, name="list"),
    path("new/", views.child_create, name="create"),
    path("<int:pk>/", views.child_detail, name="detail"),
    path("<int:pk>/edit/", views.child_edit, name="edit"),
    path("<int:pk>/status/", views.child_status, name="status"),
    path("<int:pk>/reveal/", views.child_reveal, name="reveal"),
]
