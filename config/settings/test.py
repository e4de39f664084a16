"""Test settings: SQLite unless DATABASE_URL names PostgreSQL; cheap hashing."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-secret-key-that-is-only-used-by-the-test-suite-0123456789"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DATABASES = {"default": env.db("DATABASE_URL", default="sqlite://:memory:")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
LANGUAGE_CODE = "zh-hans"
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic needed
WHITENOISE_USE_FINDERS = True
# Exports see rows written a moment ago; files go to a throwaway directory.
EXCHANGE_SETTLE_SECONDS = 0
EXCHANGE_EXPORT_DIR = BASE_DIR / "var" / "test-exchange"  # noqa: F405
