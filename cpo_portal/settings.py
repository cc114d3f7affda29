"""Settings for the CPO Portal, read from the environment.

One module for every environment. The embedded default (no environment at all) is a
development setup: SQLite in ``var/``, local-memory cache, Celery tasks run in-process.
Setting ``REDIS_URL`` switches cache, sessions and the Celery broker to Redis. With
``DEBUG`` off the portal refuses to start on insecure defaults.
"""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cpo_portal.notifications.schedules import LocalCrontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("CPO_TESTING", default=False)
# The benchmark's trivial view (the ceiling of the stack); never on in production.
BENCH_ENDPOINTS = env.bool("CPO_BENCH", default=False)
# The embedded default is what `make run` serves: a developer laptop, never production.
EMBEDDED = env.bool("CPO_EMBEDDED", default=DEBUG or TESTING)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (production), "
            "or DEBUG=true for a local development server."
        )
    SECRET_KEY = "insecure-embedded-default-key-only-for-local-development-0123456789"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. List the host names the portal answers to, "
            "e.g. ALLOWED_HOSTS=cpo.example.org."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The public base URL, used in e-mails, PDFs and QR codes that leave the request cycle.
# `make run` sets it from HOST and PORT; unset with DEBUG off is a deploy-check error
# (cpo_portal.E001): a wrong one is signed into every certificate's QR code.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
SITE_URL_CONFIGURED = bool(SITE_URL)
if not SITE_URL:
    SITE_URL = "http://127.0.0.1:8000"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Its runserver wraps WhiteNoise's (next in this list): the embedded default's server.
    "cpo_portal.embedded",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # The floor
    "cpo_portal.accounts",
    "cpo_portal.tenancy",
    "cpo_portal.activity",
    "cpo_portal.documents",
    "cpo_portal.backup",
    "cpo_portal.notifications",
    # Features
    "criteria",
    "signees",
    "community",
    "certification",
    # `make bench`: the dataset command; its ceiling view is mounted only with CPO_BENCH.
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cpo_portal.security.ContentSecurityPolicyMiddleware",
    "cpo_portal.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # The signed-in person's language, before anything that speaks to them.
    "cpo_portal.accounts.middleware.UserLanguageMiddleware",
    "cpo_portal.accounts.middleware.RequireMFAMiddleware",
    "cpo_portal.accounts.middleware.RequireNameMiddleware",
    "cpo_portal.tenancy.middleware.TenantMiddleware",
]

ROOT_URLCONF = "cpo_portal.urls"
WSGI_APPLICATION = "cpo_portal.wsgi.application"
ASGI_APPLICATION = "cpo_portal.asgi.application"

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
                "cpo_portal.context_processors.portal",
            ],
            # Percentages in the reader's language in every template: |percent, |percentage.
            "builtins": ["cpo_portal.numbers"],
        },
    },
]

# --- Database ------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# A kept-alive connection that the server dropped (a restart, a failover) is replaced at
# the start of the next request instead of failing that request with a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The embedded default serves several threads: with WAL, readers never wait for the one
    # writer; a transaction takes the write lock when it begins (IMMEDIATE) instead of
    # upgrading a read lock later, which SQLite refuses at once ("database is locked") when
    # another writer came first; and a writer waits up to `timeout` seconds for its turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
elif "postgresql" in DATABASES["default"]["ENGINE"]:
    # An unreachable server fails a request (and /healthz) in seconds, not after the
    # operating system's TCP timeout of minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, broker ---------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")


def _redis_database(url: str, number: int) -> str:
    """The same Redis server, another database number."""

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number}"))


REDIS_CACHE_DB = env.int("REDIS_CACHE_DB", default=1)
_TEST_WORKER = env.str("PYTEST_XDIST_WORKER", default="")
if TESTING and REDIS_URL and _TEST_WORKER.startswith("gw"):
    # Parallel test processes share one Redis server: each takes a broker and a cache
    # database of its own, so one process's cache.clear() or queue purge, or its Celery
    # worker taking another's messages, cannot break the tests of another.
    _base = 2 + 2 * int(_TEST_WORKER.removeprefix("gw"))
    REDIS_URL = _redis_database(REDIS_URL, _base)
    REDIS_CACHE_DB = _base + 1
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)


if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            # The cache lives in its own database: clearing it must never drop the queue.
            "LOCATION": env.str(
                "REDIS_CACHE_URL",
                default=_redis_database(REDIS_URL, REDIS_CACHE_DB),
            ),
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cpo"),
            "OPTIONS": {
                # Fail fast when Redis is unreachable: a request waits seconds at most.
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                # Nothing in the cache is the truth (pages, rate counts, copies of sessions):
                # a Redis outage turns into cache misses, not into 500s. add() answers
                # "not added" then, so a once-only marker (a used TOTP code) stays refused.
                # /healthz still reports the cache down: it reads back what it stored.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    # ... and every skipped operation is logged (logger django_redis.cache).
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    # Sessions are written to the database and read from Redis when it answers: a Redis
    # restart signs nobody out, and an outage does not fail signed-in requests.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery --------------------------------------------------------------------------
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Tasks outside the apps' tasks modules: the e-mail queue.
CELERY_IMPORTS = ["cpo_portal.mail"]
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "documents-sweep-stuck": {
        "task": "cpo_portal.documents.tasks.sweep_stuck_documents",
        "schedule": 300.0,
    },
    "signees-statement-reminders": {
        "task": "signees.tasks.send_statement_reminders",
        # Once a day, in the European morning; the task is idempotent, so a rerun is harmless.
        "schedule": crontab(hour=6, minute=0),
    },
    "certification-expire-certificates": {
        "task": "certification.tasks.expire_certificates",
        # Just after midnight: a certificate is expired from the first day after its validity.
        "schedule": crontab(hour=0, minute=5),
    },
    "certification-surveillance-reminders": {
        "task": "certification.tasks.send_surveillance_reminders",
        "schedule": crontab(hour=6, minute=10),
    },
    "certification-expiry-reminders": {
        "task": "certification.tasks.send_expiry_reminders",
        "schedule": crontab(hour=6, minute=20),
    },
    # Deadlines: the cases without a deadline for their current step get one, then the
    # reminders and escalations of the day go out (each once: both are idempotent).
    "certification-deadlines-backfill": {
        "task": "certification.tasks.deadlines_backfill",
        "schedule": crontab(hour=6, minute=25),
    },
    "certification-deadlines-remind": {
        "task": "certification.tasks.deadlines_remind",
        "schedule": crontab(hour=6, minute=30),
    },
    "community-lapse-memberships": {
        "task": "community.tasks.lapse_memberships",
        "schedule": crontab(hour=0, minute=15),
    },
    # The weekly digest: Monday 07:00 where the people are (Europe/Berlin, not UTC).
    "notifications-weekly-digest": {
        "task": "cpo_portal.notifications.tasks.send_digests",
        "schedule": LocalCrontab(hour=7, minute=0, day_of_week=1),
    },
    # Hourly, at a quarter past: the community's notices whose time has come (each once).
    "community-notices": {
        "task": "community.tasks.send_community_notices",
        "schedule": crontab(minute=15),
    },
}

# --- Authentication (django-allauth) -------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_USER_DISPLAY = "cpo_portal.accounts.adapter.user_display"
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CPO Portal] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not EMBEDDED else "http"
# Clients are counted by cpo_portal.clients.client_ip (TRUSTED_PROXY_COUNT below); the
# adapter makes the failed-login key per address *and* account, so a stranger's guesses
# never lock the owner out, while one address guessing many accounts hits the looser
# per-address limit.
ACCOUNT_ADAPTER = "cpo_portal.accounts.adapter.AccountAdapter"
# Sign-up asks for the person's name and language too (stored by the adapter above).
ACCOUNT_SIGNUP_FORM_CLASS = "cpo_portal.accounts.forms.SignupForm"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "20/5m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Reverse proxies of the portal's own in front of it (nginx: 1). 0 = REMOTE_ADDR is the
# client and X-Forwarded-For is ignored. One setting for allauth, DRF and the portal's limits.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
MFA_TOTP_ISSUER = "CPO Portal"
MFA_RECOVERY_CODE_COUNT = 10

# --- Internationalisation ------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The 24-hour clock in English too: "2:30 p.m." ended sentences in "p.m.." (see the module).
FORMAT_MODULE_PATH = ["cpo_portal.formats"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# No MEDIA_URL is served: every file goes through a permission-checked view.
MEDIA_URL = "/media-is-not-served/"

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # S3-compatible storage for a multi-machine deployment (needs django-storages[s3]).
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if EMBEDDED
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Public pages --------------------------------------------------------------------
# Visitors' browsers may keep a public page this long (Cache-Control: public, max-age) ...
PUBLIC_MAX_AGE = env.int("PUBLIC_MAX_AGE", default=300)
# ... and the server answers visitors from its page cache for at most this long; any
# change made through the portal makes the cached pages stale at once (cpo_portal/pagecache).
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=300)
# Verification lookups per client and minute (the QR code target, and the live badge).
CERTIFICATE_VERIFY_RATE_LIMIT = env.int("CERTIFICATE_VERIFY_RATE_LIMIT", default=60)
CERTIFICATE_BADGE_RATE_LIMIT = env.int("CERTIFICATE_BADGE_RATE_LIMIT", default=600)
# Checks of a ballot receipt per client and minute.
COMMUNITY_RECEIPT_RATE_LIMIT = env.int("COMMUNITY_RECEIPT_RATE_LIMIT", default=20)
# Complaints (certification): posts of the public complaint form per client and hour.
COMPLAINT_RATE_LIMIT = env.int("COMPLAINT_RATE_LIMIT", default=5)

# --- Request limits ------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- E-mail --------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if EMBEDDED else "smtp://localhost:25"
)
vars().update(EMAIL_CONFIG)
# An SMTP server that does not answer fails the attempt (retried later by the mail queue)
# instead of holding a worker until the task's time limit.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CPO Portal <cpo@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API ------------------------------------------------------------------------
# An API token works this many days after it is made (0: no expiry); a new password ends it.
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=90)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a bad token then answers 401 with WWW-Authenticate, not 403.
        "cpo_portal.api.authentication.MFATokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cpo_portal.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    # The client address by cpo_portal.clients.client_ip (NUM_PROXIES for DRF's own uses).
    "DEFAULT_THROTTLE_CLASSES": [
        "cpo_portal.api.throttling.AnonRateThrottle",
        "cpo_portal.api.throttling.UserRateThrottle",
    ],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "cpo_portal.api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "cpo_portal.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CPO Portal API",
    "DESCRIPTION": "Signees, criteria, certificates and the CPO Community.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One schema name per choice set used by several serializers (dotted paths: the
    # settings import no feature app).
    "ENUM_NAME_OVERRIDES": {
        "SigneeGroupEnum": "criteria.groups.SigneeGroup",
        "SigneeStatusEnum": "signees.models.SigneeStatus",
        "VersionStatusEnum": "criteria.models.VersionStatus",
        "SchemeKindEnum": "criteria.models.SchemeKind",
        "StatementKindEnum": "signees.models.StatementKind",
        # Scores' ratings share their values with a statement's fulfilment.
        "FulfilmentEnum": "signees.models.Fulfilment",
        "ApplicationStatusEnum": "certification.models.ApplicationStatus",
        "AssignmentRoleEnum": "certification.models.AssignmentRole",
        "AssignmentStatusEnum": "certification.models.AssignmentStatus",
        "FindingKindEnum": "certification.models.FindingKind",
        "FindingStatusEnum": "certification.models.FindingStatus",
        "RecommendationEnum": "certification.models.Recommendation",
        "SelfStatusEnum": "certification.models.SelfStatus",
        "CertificateStatusEnum": "certification.models.CertificateStatus",
        "ProposalStatusEnum": "community.models.ProposalStatus",
        "ProposalKindEnum": "community.models.ProposalKind",
    },
}

# --- Documents -----------------------------------------------------------------------
# A document left pending/rendering longer than this is re-queued by the sweeper.
DOCUMENT_STUCK_AFTER_SECONDS = env.int("DOCUMENT_STUCK_AFTER_SECONDS", default=600)
DOCUMENT_MAX_ATTEMPTS = env.int("DOCUMENT_MAX_ATTEMPTS", default=5)

# --- Certificate signing (PAdES) ----------------------------------------------------------
# Production: a PKCS#12 file (key + certificate + chain) and its password, or a PEM key
# and certificate (optionally a PEM chain). Embedded/DEBUG/tests with nothing configured:
# a self-signed certificate is generated once under CERTIFICATE_SIGNING_SELF_SIGNED_DIR.
CERTIFICATE_SIGNING_P12 = env.str("CERTIFICATE_SIGNING_P12", default="")
CERTIFICATE_SIGNING_P12_PASSWORD = env.str("CERTIFICATE_SIGNING_P12_PASSWORD", default="")
CERTIFICATE_SIGNING_KEY = env.str("CERTIFICATE_SIGNING_KEY", default="")
CERTIFICATE_SIGNING_KEY_PASSWORD = env.str("CERTIFICATE_SIGNING_KEY_PASSWORD", default="")
CERTIFICATE_SIGNING_CERT = env.str("CERTIFICATE_SIGNING_CERT", default="")
CERTIFICATE_SIGNING_CHAIN = env.str("CERTIFICATE_SIGNING_CHAIN", default="")
CERTIFICATE_SIGNING_SELF_SIGNED_DIR = env.path(
    "CERTIFICATE_SIGNING_SELF_SIGNED_DIR", default=VAR_DIR / "signing"
)
# Long-term signatures (issue 16, signatures): with a time-stamping authority (RFC 3161) the
# signature is PAdES B-LT (timestamp + validation data); without one it stays B-B.
# CERTIFICATE_SIGNING_TRUST: PEM file(s) of the roots the chain is validated against
# (comma-separated; default: the signing chain's own top certificate).
CERTIFICATE_TSA_URL = env.str("CERTIFICATE_TSA_URL", default="")
CERTIFICATE_TSA_USERNAME = env.str("CERTIFICATE_TSA_USERNAME", default="")
CERTIFICATE_TSA_PASSWORD = env.str("CERTIFICATE_TSA_PASSWORD", default="")
CERTIFICATE_TSA_TIMEOUT = env.int("CERTIFICATE_TSA_TIMEOUT", default=10)
CERTIFICATE_SIGNING_TRUST = env.list("CERTIFICATE_SIGNING_TRUST", default=[])

# --- The certification body (issue 16, certificate content) -------------------------------
# Named on every certificate, frozen at issuance. Without an accreditation body and number the
# certificate says "not accredited". The mark is an SVG or PNG file embedded in the PDF.
CERTIFICATION_BODY_NAME = env.str("CERTIFICATION_BODY_NAME", default="")
CERTIFICATION_BODY_ADDRESS = env.str("CERTIFICATION_BODY_ADDRESS", default="")
CERTIFICATION_ACCREDITATION_BODY = env.str("CERTIFICATION_ACCREDITATION_BODY", default="")
CERTIFICATION_ACCREDITATION_NUMBER = env.str("CERTIFICATION_ACCREDITATION_NUMBER", default="")
CERTIFICATION_ACCREDITATION_MARK = env.str("CERTIFICATION_ACCREDITATION_MARK", default="")

# --- Security ------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: pages hand the token to htmx in the markup.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent by cpo_portal.security in every mode, so the browser tests run under the same
# policy as production. Scripts and styles come only from our own static files: no inline
# code, no eval (htmx is configured accordingly in base.html), nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
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
}
CONTENT_SECURITY_POLICY_REPORT_ONLY = env.bool("CONTENT_SECURITY_POLICY_REPORT_ONLY", default=False)
if not EMBEDDED:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every layout step of every PDF at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
