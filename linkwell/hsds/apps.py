from django.apps import AppConfig


class HsdsConfig(AppConfig):
    name = "linkwell.hsds"
    label = "hsds"
    default_auto_field = "django.db.models.BigAutoField"
