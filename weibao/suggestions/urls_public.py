"""The suggestion board's public pages (no login)."""

from django.urls import path

from weibao.suggestions import public

app_name = "board"

urlpatterns = [
    path("", public.board_index_view, name="index"),
    path("check/", public.board_check_view, name="check"),
    path("done/", public.board_done_view, name="done"),
    path("<int:pk>/", public.board_view, name="station"),
]
