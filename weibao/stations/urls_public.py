"""The display wall: the stations' public pages (no login)."""

from django.urls import path

from weibao.stations import public

app_name = "wall"

urlpatterns = [
    path("", public.wall_index_view, name="index"),
    path("<int:pk>/", public.wall_station_view, name="station"),
    path("<int:pk>/poster/", public.wall_poster_view, name="poster"),
    path("photos/<int:pk>/", public.wall_photo_view, name="photo"),
]
