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
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured(  # noqa: F405
        "ALLOWED_HOSTS must list the site's host names in production, not '*'."
    )
# base.py has already built DATABASES from this same variable (with SQLite's WAL and locking
# options when it names a SQLite file); production only insists that it is set.
DATABASE_URL = env("DATABASE_URL", required=True)
EMAIL_BACKEND = env("EMAIL_BACKEND", required=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", required=True)
SMS_BACKEND = env("SMS_BACKEND", required=True)
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", required=True).rstrip("/")
if not PUBLIC_BASE_URL.startswith("https://"):
    # Links in texts and emails to people must not send them to a plain-HTTP or local address.
    raise ImproperlyConfigured(  # noqa: F405
        "PUBLIC_BASE_URL must be the site's https:// address in production."
    )
PSEUDONYM_KEY = env("PSEUDONYM_KEY", required=True)
if len(PSEUDONYM_KEY) < 32 or PSEUDONYM_KEY == SECRET_KEY:
    # Pseudonyms in extracts must survive a SECRET_KEY rotation and resist guessing.
    raise ImproperlyConfigured(  # noqa: F405
        "PSEUDONYM_KEY must be a random value of at least 32 characters, different from "
        "SECRET_KEY, in production."
    )
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
