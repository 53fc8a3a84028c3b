"""Settings, read from environment variables through the typed helpers in core.env.

Nothing here needs to be edited for a deployment: every choice is an environment
variable, listed in docs/operator-guide.md.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from steadyops.core.env import ConfigError, env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("STEADYOPS_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = env_str("STEADYOPS_SECRET_KEY")
    if configured:
        if len(configured) < 50:
            raise ConfigError("STEADYOPS_SECRET_KEY is shorter than 50 characters; use a long random value.")
        return configured
    # Generated once and kept beside the data, so sessions survive a restart.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("STEADYOPS_DEBUG", False)
ALLOWED_HOSTS = env_list("STEADYOPS_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env_str("STEADYOPS_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "steadyops"
HTTPS = env_bool("STEADYOPS_HTTPS", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "ninja",
    "huey.contrib.djhuey",
    "steadyops.core",
    "steadyops.accounts",
    "steadyops.notify",
    "steadyops.catalog",
    "steadyops.demand",
    "steadyops.consensus",
    "steadyops.incidents",
]

MIDDLEWARE = [
    "steadyops.core.middleware.RequestIdMiddleware",
    "steadyops.core.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the API's error shaping, so that the JSON errors it makes of Django's pages get the JSON policy.
    "steadyops.core.middleware.ContentSecurityPolicyMiddleware",
    "steadyops.api.middleware.ApiBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "steadyops.core.middleware.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "steadyops.urls"
WSGI_APPLICATION = "steadyops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "steadyops" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "steadyops.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

SQLITE_OPTIONS = {
    # One writer at a time: take the write lock at BEGIN so a transaction never
    # fails half-way on upgrade, and wait for it instead of failing at once.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;PRAGMA busy_timeout=20000",
}


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL")
    config: dict[str, object]
    if not url:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "steadyops.sqlite3"}
    elif url.startswith(("postgres://", "postgresql://", "sqlite:///")):
        config = dict(dj_database_url.parse(url))
    else:
        raise ConfigError(
            f"DATABASE_URL={url!r} is not accepted; use postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:///PATH."
        )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = SQLITE_OPTIONS
    # Requests keep their connection on either database: opening one costs more than most requests' queries.
    config["CONN_MAX_AGE"] = env_int("STEADYOPS_DB_CONN_MAX_AGE", 60, minimum=0)
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work --------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ConfigError(f"REDIS_URL={REDIS_URL!r} is not accepted; use redis://HOST:PORT/DB, rediss://… or unix://PATH.")
HUEY: dict[str, object] = {
    "name": "steadyops",
    "immediate": False,
    "consumer": {"workers": 2, "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "tasks.sqlite3")})

WORKER_POLL_SECONDS = env_int("STEADYOPS_WORKER_POLL_SECONDS", 5, minimum=1, maximum=300)
OUTBOX_LEASE_SECONDS = env_int("STEADYOPS_OUTBOX_LEASE_SECONDS", 60, minimum=5, maximum=3600)
OUTBOX_MAX_ATTEMPTS = env_int("STEADYOPS_OUTBOX_MAX_ATTEMPTS", 10, minimum=1, maximum=100)
OUTBOX_BACKOFF_SECONDS = env_int("STEADYOPS_OUTBOX_BACKOFF_SECONDS", 30, minimum=1, maximum=3600)
OUTBOX_DELIVERY_TIMEOUT = env_int("STEADYOPS_OUTBOX_DELIVERY_TIMEOUT", 10, minimum=1, maximum=120)

# --- Accounts ---------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "steadyops.accounts.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("STEADYOPS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("STEADYOPS_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

OIDC_ENABLED = bool(env_str("OIDC_RP_CLIENT_ID"))
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("steadyops.accounts.oidc.SteadyopsOIDCBackend")
    OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = env_choice("OIDC_RP_SIGN_ALGO", "RS256", ("RS256", "HS256", "ES256"))
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
    OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "single sign-on")
    OIDC_DEFAULT_ROLE = env_choice("OIDC_DEFAULT_ROLE", "viewer", ("operator", "stakeholder", "viewer"))
    for _name in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT"):
        if not globals()[_name]:
            raise ConfigError(f"{_name} must be set when OIDC_RP_CLIENT_ID is set.")
    if OIDC_RP_SIGN_ALGO != "HS256" and not OIDC_OP_JWKS_ENDPOINT:
        raise ConfigError(f"OIDC_OP_JWKS_ENDPOINT must be set when OIDC_RP_SIGN_ALGO is {OIDC_RP_SIGN_ALGO}.")

SESSION_ENGINE = "steadyops.accounts.sessions"
SESSION_COOKIE_AGE = env_int("STEADYOPS_SESSION_DAYS", 14, minimum=1) * 86400
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken.

# --- Email ------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env_str("STEADYOPS_FROM_EMAIL", "steadyops <steadyops@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("STEADYOPS_EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("STEADYOPS_EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("STEADYOPS_EMAIL_USER")
    EMAIL_HOST_PASSWORD = env_str("STEADYOPS_EMAIL_PASSWORD")
    EMAIL_USE_TLS = env_bool("STEADYOPS_EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("STEADYOPS_EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = OUTBOX_DELIVERY_TIMEOUT
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ConfigError("STEADYOPS_EMAIL_USE_TLS and STEADYOPS_EMAIL_USE_SSL cannot both be true.")
else:
    # With no SMTP server configured, mail is written to files you can read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"

# --- Security ---------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("STEADYOPS_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("STEADYOPS_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz", r"^metrics$"]
CSRF_TRUSTED_ORIGINS = env_list("STEADYOPS_CSRF_TRUSTED_ORIGINS", [SITE_URL])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

API_MAX_BODY_BYTES = env_int("STEADYOPS_API_MAX_BODY_BYTES", 1_048_576, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
METRICS_TOKEN = env_str("STEADYOPS_METRICS_TOKEN")

# --- Incidents --------------------------------------------------------------

# What an hour of a responder's time costs: a declined panic press says what it cost (responders x minutes x this).
STEADYOPS_HOURLY_COST = env_int("STEADYOPS_HOURLY_COST", 60, minimum=0, maximum=100_000)
STEADYOPS_CURRENCY = env_str("STEADYOPS_CURRENCY", "€")
# Presses of the panic button per person and period before "we have your report" instead of another one.
INCIDENTS_PANIC_LIMIT = env_int("STEADYOPS_PANIC_LIMIT", 5, minimum=1, maximum=1000)
INCIDENTS_PANIC_PERIOD_SECONDS = env_int("STEADYOPS_PANIC_PERIOD_SECONDS", 600, minimum=1, maximum=86_400)
# "You'll hear back by ...": minutes after a press.
INCIDENTS_ANSWER_MINUTES = env_int("STEADYOPS_ANSWER_MINUTES", 15, minimum=1, maximum=1440)
# A signal pages on-call at this many reports within this many minutes (or at any critical alert).
INCIDENTS_PAGE_REPORTS = env_int("STEADYOPS_PAGE_REPORTS", 3, minimum=1, maximum=1000)
INCIDENTS_PAGE_MINUTES = env_int("STEADYOPS_PAGE_MINUTES", 10, minimum=1, maximum=1440)
# Reports and alerts join a signal seen within this many minutes.
INCIDENTS_GROUP_WINDOW_MINUTES = env_int("STEADYOPS_GROUP_WINDOW_MINUTES", 30, minimum=1, maximum=1440)
# Alert webhooks per token: a burst, then this many requests a second; past it 503 with Retry-After (Alertmanager
# retries a 5xx and drops a 429).
INCIDENTS_ALERT_BURST = env_int("STEADYOPS_ALERT_BURST", 1000, minimum=1, maximum=1_000_000)
INCIDENTS_ALERT_REQUESTS_PER_SECOND = env_int("STEADYOPS_ALERT_REQUESTS_PER_SECOND", 200, minimum=1, maximum=100_000)

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "steadyops" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("STEADYOPS_TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "steadyops.core.logging.RequestIdFilter"},
        "refusal_without_traceback": {"()": "steadyops.core.logging.RefusalWithoutTraceback"},
    },
    "formatters": {"json": {"()": "steadyops.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("STEADYOPS_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"filters": ["refusal_without_traceback"]},
        "huey": {"level": "WARNING"},
    },
}
