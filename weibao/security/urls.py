from django.urls import path

from weibao.security import views

app_name = "security"

urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("verify/", views.verify_view, name="verify"),
    path("two-factor/", views.enrol_view, name="enrol"),
    path("two-factor/recovery-codes/", views.recovery_codes_view, name="recovery_codes"),
    path("two-factor/disable/", views.two_factor_disable_view, name="two_factor_disable"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("devices/", views.devices_view, name="devices"),
    path("devices/<int:pk>/revoke/", views.device_revoke_view, name="device_revoke"),
    path("devices/revoke-others/", views.devices_revoke_others_view, name="devices_revoke_others"),
    path("district/", views.district_view, name="district"),
    path("district/people/<int:pk>/reset/", views.district_reset_view, name="district_reset"),
    path("district/tokens/", views.district_tokens_view, name="district_tokens"),
]
