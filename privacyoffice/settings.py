"""Settings for Privacy Office: one module, every value read from the environment.

Embedded defaults let `make run` start on a laptop with nothing installed (SQLite and Celery's
filesystem transport under var/); DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PRIVACYOFFICE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

# --- Core --------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A development key only exists when DEBUG is on; production must set DJANGO_SECRET_KEY.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="insecure-dev-only-key-privacy-office-do-not-use-in-production" if DEBUG else "",
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "privacyoffice.admin_apps.PrivacyOfficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "simple_history",
    "django_fsm",
    "privacyoffice.fsm_log_apps.TransitionLogConfig",  # django_fsm_log, translated names
    "django_celery_beat",
    "pgtrigger",
    "privacyoffice",
    "consent_app",
    "requests_app",
    "incidents_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware without the browser's guess: Japanese unless the user chose
    # English (privacyoffice.i18n).
    "privacyoffice.i18n.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: the user's saved language wins over the browser's (privacyoffice.i18n).
    "privacyoffice.i18n.StaffLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After OTP: a single sign-on whose provider did the second factor counts as verified.
    # Inert unless the SSO backend marked the session (privacyoffice.sso).
    "privacyoffice.sso.SingleSignOnSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes last: it must see the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "privacyoffice.urls"
WSGI_APPLICATION = "privacyoffice.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

# --- Database ----------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file: WAL lets readers run beside a writer,
    # IMMEDIATE takes the write lock at BEGIN (no lock upgrade deadlock), and the timeout waits
    # for a busy writer instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not :memory:) so that a live Celery worker in the tests can open the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    # After a database restart the first query on a stale connection would fail; health checks
    # replace it before use.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# --- Cache -------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "privacyoffice",
            # A frozen Redis must not hang a web request (see the broker options below).
            "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication and security ---------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
LOGIN_URL = "admin:login"

# Lock out after 5 failures per user and address for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# Behind N reverse proxies, the client address is the Nth from the right of X-Forwarded-For
# (the rest can be forged); with none, the socket address. See privacyoffice.security.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "privacyoffice.security.client_ip_address"
AXES_LOCKOUT_CALLABLE = "privacyoffice.security.lockout_response"
# Single sign-on callbacks are the provider's to count, not a password attempt (privacyoffice.sso).
AXES_WHITELIST_CALLABLE = "privacyoffice.sso.axes_exempt"

# Administrative interfaces use multi-factor authentication (OWASP ASVS V4.3.1).
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "Privacy Office"
# Wrong codes back off 1, 2, 4, 8... seconds per device (django-otp), and each one also counts
# as a failed login for django-axes.
OTP_TOTP_THROTTLE_FACTOR = 1
# The device admin never shows a secret or its QR code, even to a superuser: a lost phone is
# handled by deleting the device, and the user enrols a new one at the next login.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Single sign-on (OpenID Connect, privacyoffice/sso.py) ---------------------------------------
# Off by default (the demo and `make run` log in with passwords). With it on, staff log in at the
# company's provider, the role comes from a claim, and local passwords serve superusers only.
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
# The provider's values (from its /.well-known/openid-configuration) and this site's client.
# Required when SSO is on: start-up stops (ImproperlyConfigured) naming every one missing.
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True  # the code is useless to whoever intercepts the redirect
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)  # a hung provider must not hang a login
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", default="preferred_username")
# The claim that carries the role, and the value of it that means each of our three roles.
OIDC_ROLE_CLAIM = env.str("OIDC_ROLE_CLAIM", default="roles")
OIDC_ROLE_PRIVACY_STAFF = env.str("OIDC_ROLE_PRIVACY_STAFF", default="privacy-staff")
OIDC_ROLE_PRIVACY_MANAGER = env.str("OIDC_ROLE_PRIVACY_MANAGER", default="privacy-manager")
OIDC_ROLE_AUDITOR = env.str("OIDC_ROLE_AUDITOR", default="privacy-auditor")
OIDC_REQUIRED_SETTINGS = (
    "OIDC_OP_ISSUER",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_RP_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET",
)
if OIDC_ENABLED:
    _missing = [name for name in OIDC_REQUIRED_SETTINGS if not globals()[name]]
    if _missing:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"OIDC_ENABLED is on but not set: {', '.join(_missing)}")
LOGIN_REDIRECT_URL = "/admin/"
LOGIN_REDIRECT_URL_FAILURE = "/admin/login/?sso=refused"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "privacyoffice.sso.RoleClaimOIDCBackend",
        # Local passwords: superusers only (break-glass), still behind axes and TOTP.
        "privacyoffice.sso.BreakGlassModelBackend",
    ]

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)  # inactivity timeout
SESSION_SAVE_EVERY_REQUEST = True  # sliding expiry: the age counts from the last request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The admin and the dashboard run with no inline script or style from outside 'self'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our Japanese date formats (2026年11月24日, 2026/11/24 in forms); other languages keep Django's.
FORMAT_MODULE_PATH = ["privacyoffice.formats"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static files and storage ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "privacyoffice" / "static"]

STORAGE_BUCKET = env.str("STORAGE_BUCKET", default="")
if STORAGE_BUCKET:
    # S3-compatible storage: private objects, reachable only through signed, short-lived URLs
    # that the permission-checked views hand out.
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_BUCKET,
            "endpoint_url": env.str("STORAGE_ENDPOINT_URL", default="") or None,
            "region_name": env.str("STORAGE_REGION", default="") or None,
            "access_key": env.str("STORAGE_ACCESS_KEY", default="") or None,
            "secret_key": env.str("STORAGE_SECRET_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
        },
    }
else:
    # Local files under var/private; no URL serves this directory.
    PRIVATE_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private"), "base_url": None},
    }
STORAGES = {
    "default": PRIVATE_STORAGE,
    "staticfiles": {
        # Hashed, compressed names in production (collectstatic); plain files in dev and tests.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="privacy-office@example.co.jp")
# With debug off a backend that delivers nothing (console, locmem, dummy, file) fails the start-up
# checks (privacyoffice.E001), unless this says on purpose that the site sends no mail.
EMAIL_ALLOW_UNDELIVERED = env.bool("EMAIL_ALLOW_UNDELIVERED", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # a hung SMTP server must not hang the scan

# --- Celery ------------------------------------------------------------------------------------
CELERY_FILESYSTEM_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A task unacknowledged for this long is handed to another worker; every time limit and
    # countdown below stays well under it, so a running task is never delivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": 3600,
        # Without a socket timeout a publish to a Redis that hangs (or a network path that drops
        # packets) waits for ever, and the web request with it (tests/fault/test_broker_down.py).
        # Redis answers in milliseconds; the worker's BRPOP returns every second.
        "socket_timeout": 5,
        "socket_connect_timeout": 2,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    for _folder in ("out", "processed", "control"):
        (CELERY_FILESYSTEM_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "out"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "out"),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        # Exchange tables; kombu's default is a "control" folder in the working directory.
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A publish while the broker is down must not hang a web request: fail fast, and let the
# beat sweep re-queue the work from the database.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
# The letter sweep has its own queue and worker process (Procfile, scripts/run-all.sh): a
# backlog of renders on the default queue cannot delay the sweep that publishes the letters a
# frozen broker kept from being published (issue 20).
SWEEP_QUEUE = "sweep"
CELERY_TASK_ROUTES = {"requests_app.letters_requeue_stale": {"queue": SWEEP_QUEUE}}
# How long a web request waits for a letter's render task to be published (seconds); past it
# the letter is marked unpublished and the sweep (every minute) publishes it.
LETTER_PUBLISH_TIMEOUT = env.float("LETTER_PUBLISH_TIMEOUT", default=1.0)

# --- Privacy Office ----------------------------------------------------------------------------
# The longest admin search accepted (characters); templates/admin/search_form.html stops typing
# there, and a longer one in the address gets a clear page (issue 20).
SEARCH_MAX_LENGTH = 200
# The public address of the admin, for links in alert e-mails (e.g. https://privacy.example.co.jp).
# Required with debug off (privacyoffice.E002): a default would send production links to localhost.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "")
COMPANY_NAME = env.str("COMPANY_NAME", default="株式会社サンプル自動車")
PRIVACY_CONTACT = env.str(
    "PRIVACY_CONTACT",
    default="〒100-0005 東京都千代田区丸の内1-1-1 株式会社サンプル自動車 個人情報相談窓口 "
    "TEL 0120-000-000",
)
LETTER_FONT_FILES = env.list(
    "LETTER_FONT_FILES",
    default=[
        "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
        "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    ],
)
# Behind IPAex (JIS X 0208 and most of JIS X 0213), IPAmj Mincho covers the MJ character set
# (about 58,000 kanji used in Japanese names and registers, supplementary planes included): a name
# such as 𠮷田 or 髙橋 is drawn, never a box. A character no letter font has fails the letter.
LETTER_FALLBACK_FONT_FILES = env.list(
    "LETTER_FALLBACK_FONT_FILES", default=["/usr/share/fonts/truetype/ipamj/ipamjm.ttf"]
)
IDENTITY_DOCUMENT_MAX_BYTES = env.int("IDENTITY_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# A phone photo of a licence is 12 MP; a 100 MP image is a decompression bomb, not a scan.
IDENTITY_DOCUMENT_MAX_PIXELS = env.int("IDENTITY_DOCUMENT_MAX_PIXELS", default=40_000_000)
IDENTITY_DOCUMENT_PURGE_DAYS = env.int("IDENTITY_DOCUMENT_PURGE_DAYS", default=30)
REQUEST_LAPSE_DAYS = env.int("REQUEST_LAPSE_DAYS", default=60)
EXPORT_ASYNC_THRESHOLD = env.int("EXPORT_ASYNC_THRESHOLD", default=50_000)
# Background export files are deleted after this many days; the export log row stays.
EXPORT_FILE_RETENTION_DAYS = env.int("EXPORT_FILE_RETENTION_DAYS", default=7)
# A background export or import writes a heartbeat every second; silent this long, the sweep
# ends it as interrupted (its worker is gone). One never taken up this long is ended too: kept
# under the broker's visibility timeout (1 h), after which Redis would hand a lost job out again.
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=120)
JOB_QUEUE_STALE_SECONDS = env.int("JOB_QUEUE_STALE_SECONDS", default=3000)
# A customer import file larger than this runs as a background job (gunicorn's 60 s timeout
# would kill a web worker importing a file of millions of rows); smaller ones on the page.
CUSTOMER_IMPORT_ASYNC_BYTES = env.int("CUSTOMER_IMPORT_ASYNC_BYTES", default=2 * 1024 * 1024)
# An import reads, checks and stages this many rows at a time: what a worker holds of a file of
# any size (tests lower it to cross chunk boundaries with small files).
CUSTOMER_IMPORT_CHUNK_ROWS = env.int("CUSTOMER_IMPORT_CHUNK_ROWS", default=10_000)

# --- Logging: ids only, never names, addresses or e-mails ----------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO; only its warnings matter to an operator.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
