"""/api/v1/ routes of the partners app."""

urlpatterns: list = []
