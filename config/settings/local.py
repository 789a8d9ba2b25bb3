"""Development and demo: DEBUG on, console email, SQLite unless DATABASE_URL says otherwise."""

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)  # noqa: F405
