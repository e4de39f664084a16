"""Settings for the Celery worker and beat that tests/trust/test_celery_faults.py
starts: the test database (DATABASE_URL), a real broker (FAULTS_BROKER_URL), the
test-only tasks, and a short visibility timeout so that a message held by a killed
worker comes back within seconds instead of an hour."""

import os

from config.settings.test import *  # noqa: F403

CELERY_BROKER_URL = os.environ["FAULTS_BROKER_URL"]
CELERY_TASK_ALWAYS_EAGER = False
CELERY_IMPORTS = ("tests.trust.tasks_for_faults",)
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("FAULTS_QUEUE", "faults")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 4,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "faults-notices-catch-up": {
        "task": "tests.trust.tasks_for_faults.notices_catch_up",
        "schedule": 0.5,
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    }
}
