"""/api/v1/ routes of the cases app."""

urlpatterns: list = []
