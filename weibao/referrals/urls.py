"""Referral (转介) pages, under /partners/ and in the "partners" URL namespace, as they were
before referrals had an app of their own (joined to the registry's routes in weibao/urls.py)."""

from django.urls import path

from weibao.referrals import views

urlpatterns = [
    path("refer/<int:case_id>/", views.refer_view, name="refer"),
    path("referrals/", views.referral_list_view, name="referrals"),
    path("referrals/<int:pk>/", views.referral_detail_view, name="referral"),
    path("referrals/<int:pk>/<slug:name>/", views.referral_action_view, name="referral_action"),
]
