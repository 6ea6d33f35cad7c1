"""The public door: /report/ and /report/status/ (no login)."""

app_name = "public_report"

urlpatterns: list = []
