"""Settings for bench/credit.py's HTTP server: the test settings, the project's
URLs plus one bare view, and a rate limit too high to trip (it still runs)."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "credit_bench_urls"
CREDIT_PUBLIC_RATE_LIMIT = (10**9, 60)
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": True}
_redis = env("REDIS_URL", default="")  # noqa: F405
if _redis:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis,
        }
    }
