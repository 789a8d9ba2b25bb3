"""Test settings: fast hashing, immediate background tasks, in-memory email."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HUEY = {**HUEY, "immediate": True}  # noqa: F405
# Staticfiles come from node_modules via finders; the manifest storage is not needed in tests.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Nothing is collected for tests: WhiteNoise serves the finders' files, with no STATIC_ROOT to scan.
STATIC_ROOT = None  # type: ignore[assignment]

# SQLite tests use a database file (one per test process; Django removes it afterwards) instead of
# Django's shared in-memory database: in shared-cache memory SQLite fails at once with "database
# table is locked" rather than waiting, so concurrent writers could not queue as they do on a file
# in production (IMMEDIATE transactions with a busy timeout).
if DATABASES["default"]["ENGINE"] == SQLITE_ENGINE:  # noqa: F405
    import os as _os

    (VAR_DIR / "test-databases").mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(VAR_DIR / "test-databases" / f"test-{_os.getpid()}.sqlite3")  # noqa: F405
    }
