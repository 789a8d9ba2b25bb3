"""Settings shared by every environment. Values come from environment variables."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None, *, required: bool = False) -> str:
    """Read a setting from the environment; refuse to start when a required one is missing."""
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"The environment variable {name} must be set.")
        return default if default is not None else ""
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "insecure-development-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "huey.contrib.djhuey",
    "linkwell.common",
    "linkwell.audit",
    "linkwell.accounts",
    "linkwell.people",
    "linkwell.referrals",
    "linkwell.cases",
    "linkwell.directory",
    "linkwell.outcomes",
    "linkwell.notifications",
    "linkwell.hsds",
    "linkwell.conversations",
    "linkwell.matching",
    "linkwell.connections",
    "linkwell.fhir",
    "linkwell.volunteers",
    "linkwell.community",
    "linkwell.reports",
    "linkwell.sessions",
    "linkwell.groups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "linkwell.audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything that reads the request for its own ends (two-factor, audit, views).
    "linkwell.common.middleware.RefuseBadCharactersMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "linkwell.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "linkwell.audit.middleware.RequestActorMiddleware",
    # Axes must be last: it turns repeated failed logins into a lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "linkwell" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linkwell.common.context_processors.navigation",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL selects PostgreSQL in production.
VAR_DIR = Path(env("LINKWELL_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_SQLITE_PATH = VAR_DIR / "linkwell.sqlite3"
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
# Django's SQLite backend with PostgreSQL's integer ranges for validation (see its docstring).
SQLITE_ENGINE = "linkwell.common.sqlite"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = SQLITE_ENGINE
    # Connections are kept (conn_max_age above) on SQLite too: opening one and reading the
    # schema before its first query costs about 1.5 ms of CPU, which every request paid when a
    # connection lasted one request. An idle connection in autocommit holds no lock.
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue (busy timeout) instead of failing with "database is locked" mid-way.
        # A 32 MiB page cache per connection (SQLite's default is 2 MiB): a search reads its
        # page of documents and services from pages spread over the whole directory.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock an account + address pair out after repeated failures.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("AXES_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

OTP_TOTP_ISSUER = "Linkwell"
# Roles that must pass two-factor sign-in; an organisation can switch it on for everyone.
TWO_FACTOR_REQUIRED_ROLES = env_list("TWO_FACTOR_REQUIRED_ROLES", "admin,supervisor")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "linkwell" / "static",
    # Served from the npm install so nothing is fetched from a CDN at run time.
    ("nhsuk", BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Linkwell <no-reply@linkwell.invalid>")

# Notification backends (see linkwell/notifications): console/file by default, SMTP for email,
# GOV.UK Notify-compatible HTTP for SMS and email.
SMS_BACKEND = env("SMS_BACKEND", "linkwell.notifications.backends.ConsoleBackend")
NOTIFY_API_URL = env("NOTIFY_API_URL")
NOTIFY_API_KEY = env("NOTIFY_API_KEY")

# The site's public address (scheme and host, no trailing slash), for links in messages sent to
# people without an account, such as an offered group place; production must set it.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

REDIS_URL = env("REDIS_URL")
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "linkwell",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "linkwell",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }

# Service rules (DESIGN.md); a service's own configuration overrides these defaults.
LINKWELL = {
    "REFERRAL_RESPONSE_WORKING_DAYS": int(env("REFERRAL_RESPONSE_WORKING_DAYS", "10")),
    "REFERRAL_REMINDER_WORKING_DAYS": [6, 9],
    "DEFAULT_SESSION_ALLOWANCE": 6,
    "SELF_REFERRAL_RATE_LIMIT_PER_HOUR": int(env("SELF_REFERRAL_RATE_LIMIT_PER_HOUR", "5")),
    # Reverse proxies in front of the app (load balancer, nginx): the public form's rate limit
    # keys on the client address they append to X-Forwarded-For. 0 = use the socket address.
    "TRUSTED_PROXY_COUNT": int(env("TRUSTED_PROXY_COUNT", "0")),
    # The team that receives referrals sent without one (public form, API); empty = the first
    # team of the first active social prescribing service.
    "INTAKE_TEAM_UUID": env("INTAKE_TEAM_UUID", ""),
    "PSEUDONYM_KEY": env("PSEUDONYM_KEY", SECRET_KEY),
    # Directory freshness: unverified this long, a listing is due for review (its provider is
    # reminded); this long, it leaves public search.
    "DIRECTORY_REVIEW_AFTER_DAYS": int(env("DIRECTORY_REVIEW_AFTER_DAYS", "182")),
    "DIRECTORY_HIDE_AFTER_DAYS": int(env("DIRECTORY_HIDE_AFTER_DAYS", "365")),
    # Outcome measures: the change that counts as meaningful (standards/outcome-measures.md: 3 is
    # the lenient 1-SEM rule for both; 8 or 9 the strict one for WEMWBS).
    "MEANINGFUL_CHANGE": {
        "swemwbs": float(env("MEANINGFUL_CHANGE_SWEMWBS", "3")),
        "wemwbs": float(env("MEANINGFUL_CHANGE_WEMWBS", "3")),
    },
    # Groups: how long a freed place is held for the next person on the waiting list.
    "GROUP_OFFER_HOURS": int(env("GROUP_OFFER_HOURS", "48")),
    # The revolving door: this many episodes opened within this many months flags a person.
    "REVOLVING_DOOR_EPISODES": int(env("REVOLVING_DOOR_EPISODES", "3")),
    "REVOLVING_DOOR_MONTHS": int(env("REVOLVING_DOOR_MONTHS", "24")),
    # Caseload: an open episode with no session or contact for this many days is overdue.
    "FOLLOW_UP_OVERDUE_DAYS": int(env("FOLLOW_UP_OVERDUE_DAYS", "14")),
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
