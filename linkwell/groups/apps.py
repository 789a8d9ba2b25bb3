from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "linkwell.groups"
    verbose_name = "Group programmes"
    default_auto_field = "django.db.models.BigAutoField"
