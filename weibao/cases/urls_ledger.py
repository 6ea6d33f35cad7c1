"""The service ledger (服务台账)."""

app_name = "ledger"

urlpatterns: list = []
