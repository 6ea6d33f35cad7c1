app_name = "board"

urlpatterns: list = []
