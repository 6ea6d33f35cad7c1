"""The "1+N" partner registry and referrals (转介)."""

from django.urls import path

from weibao.partners import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_list_view, name="list"),
    path("new/", views.partner_create_view, name="create"),
    path("<int:pk>/", views.partner_detail_view, name="detail"),
    path("<int:pk>/edit/", views.partner_edit_view, name="edit"),
    path("<int:pk>/active/", views.partner_active_view, name="set_active"),
    path("refer/<int:case_id>/", views.refer_view, name="refer"),
    path("referrals/", views.referral_list_view, name="referrals"),
    path("referrals/<int:pk>/", views.referral_detail_view, name="referral"),
    path("referrals/<int:pk>/<slug:name>/", views.referral_action_view, name="referral_action"),
]
