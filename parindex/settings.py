"""ParIndex settings: one module, driven by environment variables.

Defaults run the whole product on one machine with no services: SQLite, Celery tasks executed
eagerly in the web process, files on the local disk. DATABASE_URL and CELERY_BROKER_URL switch to
PostgreSQL and Redis with real workers.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters when DJANGO_DEBUG=false."
        )
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=false.")

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "rules",
    "parindex",
    "assessments",
    "surveys",
    "rankings",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL byte in the address is refused before anything (a view, PostgreSQL) sees it.
    "parindex.security.RejectNulBytesMiddleware",
    "parindex.security.StatementTimeoutMiddleware",
    "csp.middleware.CSPMiddleware",
    "parindex.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "parindex.i18n.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body (CSRF reads request.POST): refuse oversized requests early.
    "parindex.security.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "parindex.security.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "parindex.urls"
WSGI_APPLICATION = "parindex.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads (live server, eager tasks) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# Web requests only (parindex.security.StatementTimeoutMiddleware): a statement running longer is cancelled,
# so a query never outlives the proxy's timeout by much. 0 switches it off. Workers are not limited.
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=30000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "parindex.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed logins, per user name and address, with a cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A failed attempt while locked out is refused without being recorded: otherwise one request every few
# minutes keeps a user locked out for ever (the cool-off counts from the last recorded failure).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "parindex/locked_out.html"
# Behind a reverse proxy REMOTE_ADDR is the proxy: with DJANGO_TRUSTED_PROXY_COUNT=N the client address
# is taken from X-Forwarded-For as written by the N trusted proxies (never from what the client sent).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "parindex.security.client_ip_address"

# Wrong current passwords on the password-change form (parindex.passwords) before it refuses for a while.
PASSWORD_CHANGE_FAILURE_LIMIT = env.int("PASSWORD_CHANGE_FAILURE_LIMIT", default=5)
PASSWORD_CHANGE_COOLOFF_MINUTES = env.int("PASSWORD_CHANGE_COOLOFF_MINUTES", default=15)

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Language, time and numbers: Vietnamese first.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# locale/: the project's own strings; locale_vendor/: Vietnamese for libraries that ship none
# (django-import-export's admin screens).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
NUMBER_GROUPING = 3  # the vi locale defines the separators (",", ".") but no grouping
# Dates read dd/mm/yyyy HH:mm in every language (parindex/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["parindex.formats"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Uploads: evidence files and survey spreadsheets. The application checks sizes itself too.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
# An evidence archive (.docx, .xlsx) is inflated only to look for active content, never beyond this.
EVIDENCE_MAX_UNCOMPRESSED_BYTES = env.int("EVIDENCE_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024)
SURVEY_UPLOAD_MAX_BYTES = env.int("SURVEY_UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
SURVEY_XLSX_MAX_UNCOMPRESSED_BYTES = env.int("SURVEY_XLSX_MAX_UNCOMPRESSED_BYTES", default=500 * 1024 * 1024)
# The farthest cell a survey sheet may reference (rows, and rows × columns): checked in a streaming scan
# before calamine builds its grid (parindex.spreadsheets.scan_xlsx); columns: SURVEY_MAX_COLUMNS (300).
SURVEY_MAX_ROWS = env.int("SURVEY_MAX_ROWS", default=200_000)
SURVEY_MAX_CELLS = env.int("SURVEY_MAX_CELLS", default=3_000_000)
# Memory (heap and anonymous mappings, RLIMIT_DATA) the child process parsing an uploaded spreadsheet may add
# to what the worker or web process held when it forked: a file that passes every check still cannot take more.
SPREADSHEET_MEMORY_LIMIT_BYTES = env.int("SPREADSHEET_MEMORY_LIMIT_BYTES", default=400 * 1024 * 1024)
# Whole-request cap enforced before the body is read (413 page): the largest single upload plus room
# for the multipart envelope and form fields. Per-file limits are checked by each upload path.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=max(EVIDENCE_MAX_BYTES, SURVEY_UPLOAD_MAX_BYTES) + 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# Celery: eager unless a broker is configured.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only when done, and requeued if its worker dies mid-way.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=1500)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=1800)
# Time limits stay below the visibility timeout so Redis never redelivers a task still running.
# CELERY_VISIBILITY_TIMEOUT exists so a fault test can see a killed worker's task redelivered quickly;
# in production keep it above CELERY_TASK_TIME_LIMIT.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TIMEZONE = TIME_ZONE

# Poison tasks and dead workers (parindex/work.py): a task gives up after WORK_MAX_ATTEMPTS deliveries of the
# same import or run; running work beats every WORK_HEARTBEAT_SECONDS; the sweep (Celery beat, or the
# sweep_stuck_work command) fails work whose heartbeat is older than WORK_STALE_AFTER_SECONDS.
WORK_MAX_ATTEMPTS = env.int("WORK_MAX_ATTEMPTS", default=3)
WORK_HEARTBEAT_SECONDS = env.int("WORK_HEARTBEAT_SECONDS", default=15)
WORK_STALE_AFTER_SECONDS = env.int("WORK_STALE_AFTER_SECONDS", default=120)

# Scheduled work in the real-services mode (celery -A parindex beat). On the embedded default, cron runs
# the same work: `manage.py send_reminders` (hourly is enough; a reminder is never sent twice) and
# `manage.py sweep_stuck_work`.
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-work": {
        "task": "rankings.sweep_stuck_work",
        "schedule": env.int("WORK_SWEEP_EVERY_SECONDS", default=60),
    },
    "send-deadline-reminders": {
        "task": "notifications.send_reminders",
        "schedule": crontab(minute=env.int("NOTIFY_REMINDER_MINUTE", default=5)),
    },
}

# The official PDF report (rankings.reports): made in a Celery task when a run is published (and when first
# asked for), stored once per run and language. Its heading names the issuing body and the place.
REPORT_ON_PUBLISH = env.bool("REPORT_ON_PUBLISH", default=True)
REPORT_ISSUING_PARENT = env("REPORT_ISSUING_PARENT", default="")
REPORT_ISSUING_BODY = env("REPORT_ISSUING_BODY", default="ỦY BAN NHÂN DÂN TỈNH AN GIANG")
REPORT_DOCUMENT_SYMBOL = env("REPORT_DOCUMENT_SYMBOL", default="BC-UBND")
REPORT_PLACE = env("REPORT_PLACE", default="An Giang")
REPORT_SIGNER_ON_BEHALF = env("REPORT_SIGNER_ON_BEHALF", default="TM. ỦY BAN NHÂN DÂN")
REPORT_SIGNER_TITLE = env("REPORT_SIGNER_TITLE", default="CHỦ TỊCH")

# E-mail: Django's SMTP backend, configured by the environment. Links in e-mails start with SITE_URL.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ParIndex <parindex@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env("SITE_URL", default="http://localhost:8000")
# Days before a self-assessment or explanation deadline on which units are reminded.
NOTIFY_DEADLINE_DAYS = env("NOTIFY_DEADLINE_DAYS", default="3,1")
# How long a publication stays on a leader's to-do list.
NOTIFY_NEW_PUBLICATION_DAYS = env.int("NOTIFY_NEW_PUBLICATION_DAYS", default=30)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    # Each view names its rule of parindex.permissions; a view that names none is refused.
    "DEFAULT_PERMISSION_CLASSES": ["parindex.api_permissions.HasRule"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ParIndex API",
    "DESCRIPTION": "Published Administrative Reform Index results (read-only).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# Security headers; production adds HTTPS-only cookies and HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Legacy header says DENY; browsers that know CSP obey frame-ancestors 'self' instead, which lets a page of
# ParIndex embed its own evidence preview and nothing else embed ParIndex.
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Content-Security-Policy (django-csp 4): no inline script or style anywhere. htmx's injected indicator
# style is switched off in base.html (htmx-config meta) and its rules live in static/css/app.css.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
# Browser features the application never uses (parindex.security.SecurityHeadersMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), browsing-topics=()"
)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # The load balancer probes /healthz over plain HTTP on the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
