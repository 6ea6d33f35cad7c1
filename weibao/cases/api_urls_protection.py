"""/api/v1/ routes for protection records."""

urlpatterns: list = []
