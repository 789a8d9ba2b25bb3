"""Production: every secret from the environment, HTTPS only; `check --deploy` reports nothing."""

from .base import *  # noqa: F403
from .base import env, env_bool, env_list

DEBUG = False
SECRET_KEY = env("SECRET_KEY", required=True)
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured(  # noqa: F405
        "SECRET_KEY must be a random value of at least 50 characters in production."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")  # noqa: F405
DATABASE_URL = env("DATABASE_URL", required=True)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}  # noqa: F405
EMAIL_BACKEND = env("EMAIL_BACKEND", required=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", required=True)
SMS_BACKEND = env("SMS_BACKEND", required=True)
PSEUDONYM_KEY = env("PSEUDONYM_KEY", required=True)
LINKWELL = {**LINKWELL, "PSEUDONYM_KEY": PSEUDONYM_KEY}  # noqa: F405

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
