from django.apps import AppConfig


class PackagesOfCareConfig(AppConfig):
    name = "packages_of_care"
    verbose_name = "Packages of care (referrals, orders, variations, absences, plans)"
