from django.urls import path

from weibao.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list_view, name="list"),
    path("read/", views.notifications_read_view, name="read"),
    path("<int:pk>/open/", views.notification_open_view, name="open"),
]
