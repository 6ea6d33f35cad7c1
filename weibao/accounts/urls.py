from django.urls import path

from weibao.accounts import views

app_name = "accounts"

urlpatterns = [
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("people/", views.people_view, name="people"),
    path("people/grant/", views.role_grant_view, name="role_grant"),
    path("people/roles/<int:pk>/revoke/", views.role_revoke_view, name="role_revoke"),
    path("people/<int:pk>/reveal/", views.reveal_view, name="reveal"),
]
