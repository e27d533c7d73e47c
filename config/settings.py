"""Settings for the portal.

One file, read from the environment through django-environ. The defaults are safe for a
laptop (SQLite in the project, e-mail to the console, DEBUG on); production strictness is
switched on by ``DEBUG=False``, and production secrets have no default.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-never-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin, signed into only through the portal's two-step sign-in.
    "accounts.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "schools",
    "tutoring",
    "partnerships",
    "inspections",
    "reports",
    "public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LanguageCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.SessionTimeoutMiddleware",
    "accounts.twofactor.TwoFactorRequiredMiddleware",
    # A signed-in user's refused request (403, the policy's 404) goes to the audit log.
    "accounts.security.AccessDeniedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "schools.context_processors.navigation",
            ],
        },
    },
]

# Database: a SQLite file in the project unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3's connection pool; persistent connections and a pool do not mix.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        "timeout": 10,
    }
else:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so that a locked-out user is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UsernameEmailPhoneBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "schools:home"
LOGOUT_REDIRECT_URL = "login"

# django-guardian: no anonymous user row; object permissions only through our policy.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_MONKEY_PATCH_USER = False

# django-axes: an account is locked after AXES_FAILURE_LIMIT failures from any address, and
# an address after LOGIN_IP_FAILURE_LIMIT failures over any accounts (accounts/lockout.py),
# for AXES_COOLOFF_HOURS. The address limit is higher: a school's network or a mobile
# operator puts many honest users behind one address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_HANDLER = "accounts.lockout.AccountAndAddressHandler"
# axes.W006 asks for "ip_address" among those parameters; the handler counts the address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "accounts.backends.lockout_key"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# How many proxies in front of the portal append the client's address to X-Forwarded-For
# (a load balancer: 1). 0 reads REMOTE_ADDR alone. The lockouts and the complaint limits
# count by this address (accounts.network).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_ip"

# Language and time.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded files (consent scans, evidence, partners' documents, issued PDFs) are on the local
# disk (MEDIA_ROOT) unless S3_BUCKET names an S3-compatible bucket (AWS, MinIO, Viettel or
# FPT object storage...), which several app servers then share. The bucket stays private:
# every file is served through the portal's authorised views, as a download.
if env.str("S3_BUCKET", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "region_name": env.str("S3_REGION", default=None),
            "access_key": env.str("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=None),
            "location": env.str("S3_PREFIX", default=""),
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
            "default_acl": None,  # the bucket's own policy: private
            "querystring_auth": True,  # any address made for a file is signed and expires
            "querystring_expire": 300,
            "file_overwrite": False,  # two uploads of one name never replace each other
        },
    }

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Cổng dạy thêm - liên kết <no-reply@localhost>"
)
# An e-mail that fails is tried again after 1 min, 5 min, 30 min, 2 h and 6 h, this many
# attempts in all (schools/mail.py); then it is shown failed in the Department's outbox.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=6)

# Security: strict whenever DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
# A session ends after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS
# after signing in whatever the activity (accounts/sessions.py); the cookie lasts no longer.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The load balancer's health probe may come over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Trust X-Forwarded-Proto only behind a proxy that sets it (and strips it from clients).
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): only the portal's own assets, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Two-step verification (accounts/twofactor.py, django-otp): anyone may turn it on. With
# TWO_FACTOR_REQUIRED, Department, People's Committee and inspector accounts can open
# nothing but its set-up page until they have, and the admin opens only to a session
# confirmed with a code. Exporting students' data and granting roles ask for the password
# (and the code) again when they were last entered more than REAUTH_MINUTES ago.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=not DEBUG)
REAUTH_MINUTES = env.int("REAUTH_MINUTES", default=10)
# The name authenticator apps show above the account's codes.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Cổng dạy thêm - liên kết")

# The portal's address, for links in e-mails sent outside a request.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# How long a parent's personal consent link stays valid (seconds; 30 days by default).
CONSENT_LINK_MAX_AGE = env.int("CONSENT_LINK_MAX_AGE", default=30 * 24 * 3600)
# Coercion-risk signals: an activity is flagged when, in a homeroom class, this share (or
# more) of the students of its grades are on its roster.
COERCION_SHARE_THRESHOLD = env.float("COERCION_SHARE_THRESHOLD", default=0.9)

# Which school levels the Department manages directly; the rest are managed by the
# People's Committee of the school's area (Decree 142/2025, inferred: a parameter).
DEPARTMENT_MANAGED_LEVELS = env.list(
    "DEPARTMENT_MANAGED_LEVELS", default=["upper_secondary", "continuing"]
)

# Parents' accounts: how long an activation code or link from the school stays valid (days),
# and how many wrong codes a phone number (or one address) may try before a pause (minutes).
PARENT_INVITATION_DAYS = env.int("PARENT_INVITATION_DAYS", default=30)
PARENT_ACTIVATION_FAILURE_LIMIT = env.int("PARENT_ACTIVATION_FAILURE_LIMIT", default=5)
PARENT_ACTIVATION_IP_FAILURE_LIMIT = env.int("PARENT_ACTIVATION_IP_FAILURE_LIMIT", default=20)
PARENT_ACTIVATION_LOCKOUT_MINUTES = env.int("PARENT_ACTIVATION_LOCKOUT_MINUTES", default=15)
# Complaints from the public: how many one address may file in a window (minutes), how many
# tracking codes it may look up in another, and how long the public form stays valid: sent
# sooner than the minimum (seconds) it is a robot's, later than the maximum (hours) stale.
COMPLAINT_RATE_LIMIT = env.int("COMPLAINT_RATE_LIMIT", default=5)
COMPLAINT_RATE_WINDOW_MINUTES = env.int("COMPLAINT_RATE_WINDOW_MINUTES", default=60)
COMPLAINT_LOOKUP_LIMIT = env.int("COMPLAINT_LOOKUP_LIMIT", default=30)
COMPLAINT_LOOKUP_WINDOW_MINUTES = env.int("COMPLAINT_LOOKUP_WINDOW_MINUTES", default=10)
COMPLAINT_FORM_MIN_SECONDS = env.int("COMPLAINT_FORM_MIN_SECONDS", default=3)
COMPLAINT_FORM_MAX_AGE_HOURS = env.int("COMPLAINT_FORM_MAX_AGE_HOURS", default=4)

# The public pages: how long their content stays in the cache (a change to what they show
# clears it at once, `public/cache.py`), and the smallest group of students or answers the
# open data (made once a month) publishes a figure for.
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=300)
OPEN_DATA_MIN_GROUP = env.int("OPEN_DATA_MIN_GROUP", default=10)
# The cache counts those attempts: per process by default; several app processes need a
# shared one (CACHE_URL=dbcache://portal_cache after `manage.py createcachetable`, or Redis).
CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://"),
    # The public pages' content (public/cache.py), apart from the counters above so that
    # filling it never evicts them; shared too with several app processes (another Redis
    # database, or another table).
    "public": env.cache_url("PUBLIC_CACHE_URL", default="locmemcache://public"),
}
if CACHES["public"]["BACKEND"].endswith("LocMemCache"):
    # A page per school and per programme: more than the 300 entries kept by default.
    CACHES["public"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 20_000)

# Background work (django-tasks): by default a task runs at once, in the process that asks
# for it; in production TASKS_BACKEND=database queues it in PostgreSQL for the workers
# (`manage.py db_worker`).
TASKS_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[env.str("TASKS_BACKEND", default="immediate")]}}
# /healthz fails when a queued task has waited this long for a worker.
HEALTH_TASK_MAX_WAIT_SECONDS = env.int("HEALTH_TASK_MAX_WAIT_SECONDS", default=300)

# The dashboards' figures and the coercion-risk signals are kept this long per user and
# choice (schools/kept.py): counting a city's answers takes seconds. 0 counts them at every
# request.
FIGURES_CACHE_SECONDS = env.int("FIGURES_CACHE_SECONDS", default=300)

# Official PDFs (WeasyPrint): caps on the HTML laid out (which bounds the layout time), the
# page count, the time spent laying out and the size of the file; a report over them fails
# with a clear message.
REPORT_HTML_MAX_BYTES = env.int("REPORT_HTML_MAX_BYTES", default=8 * 1024 * 1024)
REPORT_PDF_MAX_PAGES = env.int("REPORT_PDF_MAX_PAGES", default=400)
REPORT_PDF_MAX_SECONDS = env.int("REPORT_PDF_MAX_SECONDS", default=120)
REPORT_PDF_MAX_BYTES = env.int("REPORT_PDF_MAX_BYTES", default=30 * 1024 * 1024)

# seed_demo and seed_scale create accounts with a published password: off in production.
DEMO_SEEDING_ALLOWED = env.bool("DEMO_SEEDING_ALLOWED", default=DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
