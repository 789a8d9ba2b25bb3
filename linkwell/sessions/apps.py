from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "linkwell.sessions"
    # "sessions" is taken by django.contrib.sessions.
    label = "linkwell_sessions"
    verbose_name = "Sessions with a link worker"
    default_auto_field = "django.db.models.BigAutoField"
