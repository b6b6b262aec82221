app_name = "tags"
urlpatterns: list = []
