"""The "1+N" partner registry. Its URL namespace, "partners", also holds the referral pages
(weibao/referrals/urls.py): the root URLconf joins the two."""

from django.urls import path

from weibao.partners import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_list_view, name="list"),
    path("new/", views.partner_create_view, name="create"),
    path("<int:pk>/", views.partner_detail_view, name="detail"),
    path("<int:pk>/edit/", views.partner_edit_view, name="edit"),
    path("<int:pk>/active/", views.partner_active_view, name="set_active"),
]
