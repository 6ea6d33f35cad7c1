"""Emergency protection (强制保护) records."""

app_name = "protection"

urlpatterns: list = []
