"""Settings for benchmarks: the shared base settings, production-like (DEBUG off),
on the benchmark's own PostgreSQL database, with a bare JSON view added as the
same-run baseline."""

import warnings

from config.settings.base import *  # noqa: F403
from config.settings.base import env

# No collectstatic for a benchmark: the API serves no static files.
warnings.filterwarnings("ignore", message="No directory at")

DEBUG = False
SECRET_KEY = "bench-only-secret-key-never-used-to-serve-real-users-0123456789abc"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# bench/registry.py sets BENCH_DATABASE_URL to the database it created.
DATABASES = {
    "default": env.db(
        "BENCH_DATABASE_URL",
        default="postgres://postgres@127.0.0.1:5432/envenforce_bench",
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("BENCH_CONN_MAX_AGE", default=0)
ROOT_URLCONF = "bench.urls"
# Both are fixed so the environment of the machine does not change the figures.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
