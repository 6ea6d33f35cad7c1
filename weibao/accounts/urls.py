from django.urls import path

from weibao.accounts import views

app_name = "accounts"

urlpatterns = [
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("people/", views.people_view, name="people"),
    path("people/grant/", views.role_grant_view, name="role_grant"),
    path("people/roles/<int:pk>/revoke/", views.role_revoke_view, name="role_revoke"),
    path("people/<int:pk>/reveal/", views.reveal_view, name="reveal"),
    path("people/new/", views.person_invite_view, name="person_new"),
    path("people/<int:pk>/reset-password/", views.person_reset_view, name="person_reset"),
    path("people/<int:pk>/active/", views.person_active_view, name="person_active"),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
]
