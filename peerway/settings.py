"""Peerway settings, read from environment variables (see README, "Configuration").

Every secret may also be given as a file through the matching ``*_FILE`` variable.
Production mode (PEERWAY_MODE=production) refuses to start with a default secret.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
import xstatic.pkg.bootstrap
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PEERWAY_DATA_DIR", BASE_DIR / "data"))

env = environ.Env()


def secret(name: str, default: str) -> str:
    """A secret from NAME, or from the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


MODE = env.str("PEERWAY_MODE", default="development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured("PEERWAY_MODE must be 'development' or 'production'.")
PRODUCTION = MODE == "production"

# Development defaults: usable for the demo and tests only; production refuses them.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMDEyMzQ1Njc="  # noqa: S105
DEV_BLIND_INDEX_KEY = "dev-only-blind-index-key"  # noqa: S105
DEV_AUDIT_KEY = "dev:dev-only-audit-chain-key-do-not-use-in-production"  # noqa: S105
# Base64 of a fixed 32-byte Ed25519 seed: development only.
DEV_AUDIT_SIGNING_KEY = "ZGV2LW9ubHktYXVkaXQtc2lnbmluZy1rZXktMDAwMDA="  # noqa: S105

SECRET_KEY = secret("SECRET_KEY", DEV_SECRET_KEY)
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation).
PEERWAY_ENCRYPTION_KEYS = [
    k.strip() for k in secret("PEERWAY_ENCRYPTION_KEYS", DEV_ENCRYPTION_KEY).split(",") if k.strip()
]
PEERWAY_BLIND_INDEX_KEY = secret("PEERWAY_BLIND_INDEX_KEY", DEV_BLIND_INDEX_KEY)
# Audit chain keys (docs/security.md): comma-separated "id:secret" pairs kept outside the
# database; the first keys new events, all verify (rotation). Each event stores its key id.
PEERWAY_AUDIT_KEYS = [
    k.strip() for k in secret("PEERWAY_AUDIT_KEYS", DEV_AUDIT_KEY).split(",") if k.strip()
]
if not PEERWAY_AUDIT_KEYS:
    raise ImproperlyConfigured("PEERWAY_AUDIT_KEYS is empty: give at least one 'id:secret'.")
for _entry in PEERWAY_AUDIT_KEYS:
    _key_id, _sep, _secret = _entry.partition(":")
    if (
        not _sep
        or not _secret
        or len(_key_id) > 32
        or not _key_id.replace("-", "").replace("_", "").isalnum()
    ):
        raise ImproperlyConfigured(
            "PEERWAY_AUDIT_KEYS must be comma-separated 'id:secret' pairs (id: up to 32 "
            "letters, digits, '-' or '_')."
        )
# Ed25519 key that signs audit checkpoints: PEM (PKCS#8) or base64 of the 32-byte seed.
PEERWAY_AUDIT_SIGNING_KEY = secret("PEERWAY_AUDIT_SIGNING_KEY", DEV_AUDIT_SIGNING_KEY)

DEBUG = env.bool("DEBUG", default=False)

if PRODUCTION:
    problems = []
    if DEBUG:
        problems.append("DEBUG is on (it shows settings and data in error pages)")
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY is the development default or shorter than 50 characters")
    if DEV_ENCRYPTION_KEY in PEERWAY_ENCRYPTION_KEYS:
        problems.append("PEERWAY_ENCRYPTION_KEYS contains the development key")
    if PEERWAY_BLIND_INDEX_KEY == DEV_BLIND_INDEX_KEY or len(PEERWAY_BLIND_INDEX_KEY) < 32:
        problems.append("PEERWAY_BLIND_INDEX_KEY is the development default or too short")
    if DEV_AUDIT_KEY in PEERWAY_AUDIT_KEYS or any(
        len(k.partition(":")[2]) < 32 for k in PEERWAY_AUDIT_KEYS
    ):
        problems.append("PEERWAY_AUDIT_KEYS contains the development key or a key too short")
    if PEERWAY_AUDIT_SIGNING_KEY == DEV_AUDIT_SIGNING_KEY:
        problems.append("PEERWAY_AUDIT_SIGNING_KEY is the development default")
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start in production mode: " + "; ".join(problems) + ". See README."
        )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "peerway.core.admin_apps.SystemAdminConfig",  # django.contrib.admin, see system_admin.py
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_filters",
    "django_tables2",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "django_tasks_db",
    # django-ninja: its bundled Swagger UI (templates and static files, no CDN).
    "ninja",
    "peerway.core",
    "peerway.instruments",
    "peerway.assessments",
    "peerway.planning",
    "peerway.support",
    "peerway.workforce",
    "peerway.outcomes",
    "peerway.contacts",
    "peerway.recovery",
    "peerway.hospital",
    "peerway.indicators",
    "peerway.evaluation",
    "peerway.research",
    "peerway.synth",
    "peerway.fhir",
    "peerway.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "peerway.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Bearer tokens under /api/ and /fhir/ replace the session's user (docs/api.md).
    "peerway.api.middleware.BearerTokenMiddleware",
    # After authentication (it asks who is signed in); static files never reach it.
    "peerway.core.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "peerway.core.middleware.MfaRequiredMiddleware",
    # Axes last: it turns lockout exceptions raised above into a lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peerway.urls"
WSGI_APPLICATION = "peerway.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "peerway" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peerway.core.context_processors.peerway",
            ],
        },
    }
]

# Database: SQLite in the data folder by default; PostgreSQL through DATABASE_URL.
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'peerway.sqlite3'}")
}
# SQLite (docs/decisions.md, "Simultaneous writes"): WAL lets readers go on while one
# writer writes; IMMEDIATE takes the write lock when a transaction begins, so a transaction
# never reads, then finds another writer in its way (which fails at once, "database is
# locked", whatever the timeout); the timeout is how long (seconds) a writer waits for
# the lock before giving up.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "timeout": 20,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(SQLITE_OPTIONS)
    # Tests: a file instead of the in-memory database, whose shared cache cannot run the
    # threaded concurrency tests (they skip there).
    if env.str("PEERWAY_TEST_SQLITE_FILE", default=""):
        DATABASES["default"]["TEST"] = {"NAME": env.str("PEERWAY_TEST_SQLITE_FILE")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # Sign-in by e-mail (allauth), without ModelBackend's permissions: see backends.py.
    "peerway.core.backends.SignInBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: sign in by e-mail; accounts are created only through invitations.
ACCOUNT_ADAPTER = "peerway.core.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
# A new sign-in address replaces the current one only once confirmed through the link
# sent to it (peerway/core/email_change.py); requests and changes are audited.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_FORMS = {"reset_password": "peerway.core.email_change.AccountAddressResetPasswordForm"}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Lockout is django-axes's job; allauth's own limit only stops floods from one address.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip,20/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Peerway"
MFA_RECOVERY_CODE_COUNT = 10
# Roles for which an organization requires MFA unless it chooses otherwise.
PEERWAY_DEFAULT_MFA_ROLES = ["manager", "supervisor", "admin", "evaluator"]

# django-axes: lock an account+address pair after repeated failures (admin included:
# the admin sign-in goes through the same allauth form).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "peerway.core.security.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_VERBOSE = False

# Sessions: idle timeout (minutes) renewed on each request; cookies never readable by JS.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Internationalization: English and French (Canada).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr-ca", _("French"))]
LOCALE_PATHS = [BASE_DIR / "peerway" / "locale"]
USE_I18N = True
USE_TZ = True
# Dates follow the active language's formats (peerway/formats: English short dates in ISO
# 8601, as Canadian usage and French agree); CSV files always write ISO 8601.
FORMAT_MODULE_PATH = ["peerway.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="America/Toronto")

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(DATA_DIR / "static"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "peerway" / "static",
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(DATA_DIR / "media"))

# Background tasks: database queue in production, run at once in tests.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# E-mail: SMTP when EMAIL_HOST is set, otherwise messages go to the console log.
_EMAIL_HOST = env.str("EMAIL_HOST", default="")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _EMAIL_HOST,
            "port": env.int("EMAIL_PORT", default=587),
            "username": env.str("EMAIL_HOST_USER", default=""),
            "password": secret("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env.bool("EMAIL_USE_TLS", default=True),
        },
    }
    if _EMAIL_HOST
    else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="peerway@localhost")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("CACHE_URL")}
# Drawn chart SVGs (peerway.insights.charts), keyed by a hash of their specification and
# data: in each process, bounded (about 30 KB a chart). Decision 24: Rendered charts are
# cached by the hash of their specification.
CACHES["charts"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "peerway-charts",
    "TIMEOUT": env.int("PEERWAY_CHART_CACHE_SECONDS", default=24 * 3600),
    "OPTIONS": {"MAX_ENTRIES": env.int("PEERWAY_CHART_CACHE_ENTRIES", default=500)},
}
# Organization, site and team dashboards' figures (peerway.indicators.cache), keyed by the
# organization's data version, raised by every write they read: a write makes earlier
# entries unreachable. In each process by default; PEERWAY_INDICATOR_CACHE_URL (e.g.
# db://peerway_indicator_cache after `manage.py createcachetable`) shares them between
# processes and restarts. Decision 32: Dashboards cached under a data version.
CACHES["indicators"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "peerway-indicators",
    "TIMEOUT": env.int("PEERWAY_INDICATOR_CACHE_SECONDS", default=24 * 3600),
    "OPTIONS": {"MAX_ENTRIES": env.int("PEERWAY_INDICATOR_CACHE_ENTRIES", default=200)},
}
if env.str("PEERWAY_INDICATOR_CACHE_URL", default=""):
    CACHES["indicators"] = env.cache_url("PEERWAY_INDICATOR_CACHE_URL")
# Start the chart engine when the WSGI application loads (peerway/wsgi.py), so that the first
# dashboard after a start does not pay about 1.5 s for it. Tests never load peerway.wsgi.
PEERWAY_WARM_CHARTS = env.bool("PEERWAY_WARM_CHARTS", default=True)

# Organization-supplied questionnaire definitions (licensed item text).
PEERWAY_INSTRUMENTS_DIR = env.path("PEERWAY_INSTRUMENTS_DIR", default=str(DATA_DIR / "instruments"))

# Audit: whether to keep the client's IP address on audit events.
PEERWAY_AUDIT_RECORD_IP = env.bool("PEERWAY_AUDIT_RECORD_IP", default=True)
# Where `peerway audit checkpoint` and its scheduled task write signed checkpoints: a place
# outside the database (another disk, a mounted write-once share, a shipped log directory).
PEERWAY_AUDIT_CHECKPOINT_DIR = env.path(
    "PEERWAY_AUDIT_CHECKPOINT_DIR", default=str(DATA_DIR / "audit-checkpoints")
)
# Invitation links expire after this many hours.
PEERWAY_INVITATION_HOURS = env.int("PEERWAY_INVITATION_HOURS", default=72)
# Workforce defaults (docs/workforce.md): supervision cadence, wellbeing check-in interval
# and the burnout score from which a worker's opted-in alert reaches their supervisor.
PEERWAY_SUPERVISION_EVERY_DAYS = env.int("PEERWAY_SUPERVISION_EVERY_DAYS", default=30)
# Rendered dashboard bodies kept per process (indicators.cache.dashboard_page): up to 2 MB
# each for a region's organization dashboard; 0 draws every page.
PEERWAY_DASHBOARD_PAGE_ENTRIES = env.int("PEERWAY_DASHBOARD_PAGE_ENTRIES", default=24)
PEERWAY_WELLBEING_CHECKIN_DAYS = env.int("PEERWAY_WELLBEING_CHECKIN_DAYS", default=90)
PEERWAY_WELLBEING_ALERT_THRESHOLD = env.int("PEERWAY_WELLBEING_ALERT_THRESHOLD", default=50)
# Training and certifications are flagged (and reminders sent) this many days before expiry.
PEERWAY_TRAINING_WARNING_DAYS = env.int("PEERWAY_TRAINING_WARNING_DAYS", default=60)
# A peer worker may correct or delete a contact this many hours after logging it
# (docs/contacts.md).
PEERWAY_CONTACT_EDIT_HOURS = env.int("PEERWAY_CONTACT_EDIT_HOURS", default=72)

# REST API (docs/api.md): requests per token per minute.
PEERWAY_API_RATE_PER_MINUTE = env.int("PEERWAY_API_RATE_PER_MINUTE", default=120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
