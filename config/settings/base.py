"""Settings shared by every environment; values come from the environment."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    # admin modules are discovered by CoreConfig.ready()
    "core.apps.AdminConfig",  # two-factor verified admin (core.twofactor)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "django_htmx",
    "axes",
    "pgtrigger",
    "pghistory",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "grid",
    "enforcement",
    "credit",
    "monitoring",
    "hazwaste",
    "screen",
    "exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.uploads.RequestSizeLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "screen.middleware.KioskMiddleware",  # a kiosk session sees the screen only
    "core.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns lockouts into responses
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.platform",
                "grid.context_processors.viewer_scope",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # lockout after repeated failures
    "django.contrib.auth.backends.ModelBackend",
]
# Lock by username, known or not, so the answer never tells whether a user exists.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Offices sit behind one NAT address: locking by IP would lock out a whole bureau.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "core.views.lockout_response"
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Enforcement platform")
# Who may turn on two-factor login besides administrators: bureau staff.
TWO_FACTOR_PERMISSION = "grid.permissions.IsBureauStaff"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 2**20)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20
# Evidence files (core.uploads): per file, per multipart request, pixels per image.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 2**20)
UPLOAD_REQUEST_MAX_BYTES = env.int("UPLOAD_REQUEST_MAX_BYTES", default=50 * 2**20)
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=64_000_000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "10/min"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
REST_KNOX = {
    "TOKEN_TTL": None,  # phone tokens live until revoked (logout, admin, deactivation)
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "District environmental-enforcement platform API",
    "DESCRIPTION": "REST API for bureau staff, street officers and enterprises.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CreditColourEnum": "credit.models.Colour",
        "CreditSchemeSectorEnum": "credit.models.Scheme.Sector",
        "SectorEnum": "enforcement.models.Enterprise.Sector",
        "EnterpriseStatusEnum": "enforcement.models.Enterprise.Status",
        "TicketStatusEnum": "grid.models.Ticket.Status",
        "TicketSourceEnum": "grid.models.Ticket.Source",
        "TicketEntrySourceEnum": "grid.api.serializers.STAFF_ENTRY_SOURCES",
        "ViolationStatusEnum": "enforcement.models.Violation.Status",
        "PenaltyStatusEnum": "enforcement.models.PenaltyDecision.Status",
        "RectificationStatusEnum": "enforcement.models.RectificationOrder.Status",
        "OpenClosedEnum": "enforcement.models.InspectionPlan.Status",  # also alarms
        "RecomputeRunStatusEnum": "enforcement.models.RecomputeRun.Status",
        "HazwasteContainerKindEnum": "hazwaste.models.ContainerKind",
        "HazwasteContainerStatusEnum": "hazwaste.models.ContainerStatus",
        "HazwasteFacilityKindEnum": "hazwaste.models.StorageFacilityKind",
        "HazwasteLedgerKindEnum": "hazwaste.models.LedgerEntryKind",
        "HazwasteManifestStatusEnum": "hazwaste.models.ManifestStatus",
        "HazwastePlanStatusEnum": "hazwaste.models.ManagementPlanStatus",
        "HazwasteDeclarationStatusEnum": "hazwaste.models.DeclarationStatus",
        "HazwasteWarningStatusEnum": "hazwaste.models.AnomalyWarningStatus",
        "HazwasteSeverityEnum": "hazwaste.models.AnomalyRuleSeverity",
        "ViolationSeverityEnum": "enforcement.models.Violation.Severity",
        "JointMeasureKindEnum": "enforcement.models.JointMeasure.Kind",
        "MonitoringStationKindEnum": "monitoring.models.Station.Kind",
        "MonitoringStationStatusEnum": "monitoring.models.Station.Status",
        "MonitoringIndexKindEnum": "monitoring.models.StationIndex.Kind",
        "MonitoringRuleKindEnum": "monitoring.models.Rule.Kind",
        "MonitoringAlarmEventKindEnum": "monitoring.models.AlarmEvent.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_error_responses",  # one Error shape, every real status
    ],
}

# Map tiles are a setting: intranets point this at their own tile server.
MAP_TILE_URL = env(
    "MAP_TILE_URL", default="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
)
MAP_TILE_ATTRIBUTION = env(
    "MAP_TILE_ATTRIBUTION", default="&copy; OpenStreetMap contributors"
)
# Coordinates are stored in WGS-84; GCJ02 tiles get display-time conversion.
MAP_TILE_CRS = env("MAP_TILE_CRS", default="WGS84")


def _tile_origin(template: str) -> str:
    parts = urlsplit(template.replace("{s}.", "*."))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


# Scripts only from our own origin or with the per-request nonce; no CDN anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [
            SELF,
            UNSAFE_INLINE,
        ],  # Leaflet positions markers with inline styles
        "img-src": [
            SELF,
            "data:",
            "blob:",
            *filter(None, [_tile_origin(MAP_TILE_URL)]),
        ],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (31.2304, 121.4737),
    "DEFAULT_ZOOM": 13,
    "TILES": [("map", MAP_TILE_URL, {"attribution": MAP_TILE_ATTRIBUTION})],
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
}

# Demo instances say so on the login page.
DEMO_MODE = env.bool("DEMO_MODE", default=False)
COMPLAINT_HOTLINE = env("COMPLAINT_HOTLINE", default="12345")
# Absolute links in emails and webhook messages.
PLATFORM_BASE_URL = env("PLATFORM_BASE_URL", default="http://127.0.0.1:8000")
SMS_BACKEND = env("SMS_BACKEND", default="core.notifications.LoggingSmsBackend")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@enforcement.local")

# Celery: with no broker configured, tasks run in-process so a first run needs
# nothing else.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "seal-audit-chain": {"task": "core.tasks.audit_seal_task", "schedule": 60.0},
    "send-due-deliveries": {
        "task": "core.tasks.deliveries_sweep_task",
        "schedule": 60.0,
    },
    "recompute-health-codes": {  # enforcement: every enterprise's code, nightly
        "task": "enforcement.tasks.health_codes_recompute_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    "export-audit-digest": {
        "task": "core.tasks.audit_digest_task",
        "schedule": crontab(hour=0, minute=15),
    },
    "joint-invitations-remind-expire": {  # enforcement: joint invitations
        "task": "enforcement.tasks.joint_invitations_sweep",
        "schedule": crontab(minute="*/15"),
    },
    "joint-rechecks-escalate": {  # enforcement: overdue joint re-checks
        "task": "enforcement.tasks.joint_rechecks_escalate",
        "schedule": crontab(hour=8, minute=0),
    },
    "grid-escalate-overdue-tickets": {
        "task": "grid.tickets_escalate_overdue",
        "schedule": 300.0,  # every five minutes
    },
    "hazwaste-anomaly-scan": {
        "task": "hazwaste.tasks.anomaly_scan_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "hazwaste-declarations": {
        "task": "hazwaste.tasks.declarations_generate_task",
        "schedule": crontab(hour=3, minute=0),
    },
    "monitoring-reading-partitions": {
        "task": "monitoring.tasks.reading_partitions_maintain",
        "schedule": crontab(minute=7, hour=3),
    },
    "monitoring-rules": {
        "task": "monitoring.tasks.rules_evaluate_all",
        "schedule": crontab(minute="*/5"),
    },
    "exchange-exports": {  # the city's files: changes since the last ones, nightly
        "task": "exchange.tasks.exports_write_task",
        "schedule": crontab(hour=4, minute=10),
    },
    "monitoring-alarms-dispatch-due": {
        "task": "monitoring.tasks.alarms_dispatch_due",
        "schedule": crontab(),
    },
}
# History tables refuse UPDATE and DELETE (triggers); the audit chain seals them.
PGHISTORY_APPEND_ONLY = True
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
AUDIT_DIGEST_DIR = env.path("AUDIT_DIGEST_DIR", default=VAR_DIR / "audit")
AUDIT_DIGEST_EMAIL = env.list("AUDIT_DIGEST_EMAIL", default=[])

# City–district exchange (docs/data-exchange.md).
EXCHANGE_EXPORT_DIR = env.path("EXCHANGE_EXPORT_DIR", default=VAR_DIR / "exchange")
EXCHANGE_EXPORT_RETENTION_DAYS = env.int("EXCHANGE_EXPORT_RETENTION_DAYS", default=30)
EXCHANGE_EXPORT_FORMATS = env.list(
    "EXCHANGE_EXPORT_FORMATS", default=["csv", "json", "geojson"]
)
# The watermark stays this far behind now, so rows of transactions committing
# just now are not skipped (PostgreSQL also holds it at the oldest open one).
EXCHANGE_SETTLE_SECONDS = env.int("EXCHANGE_SETTLE_SECONDS", default=5)
# Daily means are recomputed after late data and reviews: an incremental export
# of them repeats this many days before the watermark's day.
EXCHANGE_ROLLUP_LOOKBACK_DAYS = env.int("EXCHANGE_ROLLUP_LOOKBACK_DAYS", default=7)
EXCHANGE_CHUNK_SIZE = 5000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Big screen (大屏): the wall display's refresh and its kiosk logins. A kiosk logs
# in only from these networks (CIDR; its address is checked on every request),
# and its session lasts this many days.
SCREEN_REFRESH_SECONDS = env.int("SCREEN_REFRESH_SECONDS", default=60)
SCREEN_KIOSK_NETWORKS = env.list(
    "SCREEN_KIOSK_NETWORKS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
)
SCREEN_KIOSK_SESSION_DAYS = env.int("SCREEN_KIOSK_SESSION_DAYS", default=30)
