app_name = "packages_of_care"

urlpatterns: list = []
