"""/api/v1/ routes of the reports app."""

urlpatterns: list = []
