"""Settings for bench/dispatch.py's server: the test settings (PostgreSQL from
DATABASE_URL, no DEBUG) plus one bare JSON view to measure beside the real ones."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench.dispatch_urls"
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
