app_name = "hazwaste"
urlpatterns: list = []
