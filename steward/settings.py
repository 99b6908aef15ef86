"""Steward's settings: declarative, every deploy-specific value from the environment (see steward.env)."""

import os
import tempfile
from pathlib import Path

import dj_database_url

from steward.databases import postgresql_options
from steward.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("STEWARD_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# A development key is allowed only so `make run` works out of the box; the deploy check refuses it.
DEV_SECRET_KEY = "steward-development-only-key-never-use-in-production-0123456789"
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
# Where the server listens (`make run` passes HOST and PORT); the base URL of follow-up links follows it unless
# SITE_URL says otherwise. A wildcard bind address is not a place a browser can go to: links then name localhost.
SERVE_HOST = env_str("HOST", "127.0.0.1")
SERVE_PORT = env_int("PORT", 8000)
_LINK_HOST = "localhost" if SERVE_HOST in {"0.0.0.0", "::", "[::]"} else SERVE_HOST  # noqa: S104 - a bind address read, not bound
if ":" in _LINK_HOST and not _LINK_HOST.startswith("["):
    _LINK_HOST = f"[{_LINK_HOST}]"  # an IPv6 address, as URLs and Host headers write it
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", list(dict.fromkeys(["127.0.0.1", "localhost", "testserver", _LINK_HOST])))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", f"http://{_LINK_HOST}:{SERVE_PORT}").rstrip("/")
# Whether an operator named the public address; `check --deploy` refuses the computed one (steward.E003).
SITE_URL_CONFIGURED = bool(env_str("SITE_URL"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    # Before django_tasks_db: Django takes a management command from the first app that has it, and steward's
    # `db_worker` (steward/worker.py) is django_tasks_db's worker made to survive a lost database connection.
    "steward",
    "django_tasks_db",
    "audit",
    "policy",
    "people",
    "cases",
    "intake",
    "decisions",
    "letters",
    "clocks",
    "privacy",
    "accounts",
    "spaces",
    "enforcement",
    "screening",
    "surveys",
    "notifications",
    "mywork",
    "transparency",
]

MIDDLEWARE = [
    "steward.middleware.HeadWithoutBodyMiddleware",  # first: it sees every answer, and takes the body off a HEAD's
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.StewardSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "steward.middleware.SecurityHeadersMiddleware",
    # Last, so that its early answer still gets the security headers; it only looks at the headers, and the
    # body is read later (CsrfViewMiddleware.process_view), after every middleware here.
    "steward.middleware.FormCharsetMiddleware",
]

ROOT_URLCONF = "steward.urls"
WSGI_APPLICATION = "steward.wsgi.application"

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
                "steward.context_processors.steward",
            ],
            # `{{ moment|when }}` everywhere, without a {% load %}: the one way a time is shown (steward/times.py).
            "builtins": ["steward.times"],
        },
    },
]

# Django's form templates, drawn in Python for the common widgets (same HTML; steward/form_renderer.py).
FORM_RENDERER = "steward.form_renderer.FastFormRenderer"

# Connections are kept between requests (conn_max_age) and checked before a request reuses one, so a database
# restarted under the running site costs no request a 500: a dead connection is replaced, not used.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'steward.sqlite3'}"), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A fresh checkout has no var/ yet; SQLite cannot create the directory for its file.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids lock-upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    # Tests use a file, not memory, so a worker process started by the fault tests sees the same database;
    # one per test process, so parallel test runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"steward-test-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = postgresql_options(DATABASES["default"].get("OPTIONS", {}))  # JIT off
# The password apart from the URL (DATABASE_PASSWORD_FILE: the same secret file the database container reads).
if env_str("DATABASE_PASSWORD"):
    DATABASES["default"]["PASSWORD"] = env_str("DATABASE_PASSWORD")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "mywork:home"  # a steward starts the day with what waits for them
LOGOUT_REDIRECT_URL = "policy:home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The container image collects them beside its code (STEWARD_STATIC_ROOT), where a volume on VAR_DIR cannot hide them.
STATIC_ROOT = Path(env_str("STEWARD_STATIC_ROOT", str(VAR_DIR / "staticfiles")))

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Referrers only within the site: a reporter's follow-up link (secret in the path) must never reach
# another site. ("no-referrer" would make browsers send `Origin: null`, which fails CSRF checks.)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Load balancers and container health checks probe over plain HTTP from inside: /health/ answers them there too.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
# Off unless asked: both reach beyond Steward's own host name (every subdomain; browsers' built-in lists).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
# The reverse proxies whose X-Forwarded-For names the client (addresses or networks, comma-separated); from
# anybody else the header is ignored, since a client can send it too (steward/clientaddr.py).
STEWARD_TRUSTED_PROXIES = env_list("STEWARD_TRUSTED_PROXIES", [])

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o600

# --- Steward ------------------------------------------------------------------------------------
STEWARD_POLICY_FILE = Path(env_str("STEWARD_POLICY_FILE", str(BASE_DIR / "policy" / "policies" / "ai-alliance.yaml")))
STEWARD_EVIDENCE_DIR = Path(env_str("STEWARD_EVIDENCE_DIR", str(VAR_DIR / "evidence")))
STEWARD_EVIDENCE_MAX_BYTES = env_int("STEWARD_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
STEWARD_EVIDENCE_MAX_FILES = env_int("STEWARD_EVIDENCE_MAX_FILES", 5)
# How long a worker's claim on an enforcement action lasts before another worker may take it over.
STEWARD_ENFORCEMENT_LEASE_SECONDS = env_int("STEWARD_ENFORCEMENT_LEASE_SECONDS", 300)
# Webhook deliveries larger than this are refused (413); how often spaces that cannot push are read.
STEWARD_WEBHOOK_MAX_BYTES = env_int("STEWARD_WEBHOOK_MAX_BYTES", 1024 * 1024)
STEWARD_SPACES_POLL_SECONDS = env_int("STEWARD_SPACES_POLL_SECONDS", 300)
# Which scorer screens content (see docs/screening.md); it runs on this machine, nothing is sent anywhere.
STEWARD_SCREENING_SCORER = env_str("STEWARD_SCREENING_SCORER", "screening.model.scorer.DefaultScorer")
# A model retrained with the community's own labels (manage.py retrain_screening --out DIR); empty: the shipped one.
STEWARD_SCREENING_MODEL_DIR = env_str("STEWARD_SCREENING_MODEL_DIR", "")
# The fine-tuned encoder averaged with the issue-incivility head: far better on heated threads, about 10x slower on
# those texts (docs/screening.md, "Speed"). Off: the linear heads alone, 2,000+ texts/s on 2 cores.
STEWARD_SCREENING_ENCODER = env_bool("STEWARD_SCREENING_ENCODER", True)
STEWARD_REQUIRE_2FA = env_bool("STEWARD_REQUIRE_2FA", False)
STEWARD_LOGIN_MAX_FAILURES = env_int("STEWARD_LOGIN_MAX_FAILURES", 5)
STEWARD_LOGIN_LOCKOUT_SECONDS = env_int("STEWARD_LOGIN_LOCKOUT_SECONDS", 15 * 60)
STEWARD_IDLE_TIMEOUT_SECONDS = env_int("STEWARD_IDLE_TIMEOUT_SECONDS", 30 * 60)
# A follow-up or party link opens its page for this long without a request (steward/link_sessions.py).
STEWARD_LINK_SESSION_SECONDS = env_int("STEWARD_LINK_SESSION_SECONDS", 30 * 60)
# Report flood control: past the soft limit reports are still accepted but held for review;
# past the hard limit the form is shown again with the text kept and a request to wait.
STEWARD_REPORT_SOFT_LIMIT = env_int("STEWARD_REPORT_SOFT_LIMIT", 5)
STEWARD_REPORT_HARD_LIMIT = env_int("STEWARD_REPORT_HARD_LIMIT", 20)
STEWARD_REPORT_WINDOW_SECONDS = env_int("STEWARD_REPORT_WINDOW_SECONDS", 3600)
# New-report mail (notifications): stewards who chose the daily digest get it at the first sweep after this hour
# (0-23, in TIME_ZONE), listing the new cases since the previous digest.
STEWARD_DIGEST_HOUR = env_int("STEWARD_DIGEST_HOUR", 8)
# The worker's heartbeat (steward.tasks): a beat every so many seconds; /health/ calls the worker stale when the
# last beat is older than STEWARD_WORKER_STALE_SECONDS (room for a long task ahead of the beat in the queue).
STEWARD_HEARTBEAT_SECONDS = env_int("STEWARD_HEARTBEAT_SECONDS", 60)
STEWARD_WORKER_STALE_SECONDS = env_int("STEWARD_WORKER_STALE_SECONDS", 300)
# Finished task results are pruned daily (steward.tasks.prune_task_results): successful ones after this many
# days, failed ones (what an operator investigates) after the second.
STEWARD_TASK_RESULTS_KEEP_DAYS = env_int("STEWARD_TASK_RESULTS_KEEP_DAYS", 14)
STEWARD_FAILED_TASK_RESULTS_KEEP_DAYS = env_int("STEWARD_FAILED_TASK_RESULTS_KEEP_DAYS", 90)

EMAIL_BACKEND_PATH = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# SMTP gets a timeout well under the outbox's lease (letters.outbox.LEASE, 10 minutes), so a live
# attempt always ends before another worker may take its mail over.
EMAIL_IS_SMTP = EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend")
EMAIL_TIMEOUT_SECONDS = env_int("EMAIL_TIMEOUT", 60) if EMAIL_IS_SMTP else 0
# The SMTP settings go to the SMTP backend only: Django refuses options a backend does not take, so a console or
# file backend chosen while EMAIL_HOST is still set (compose.yaml sets it) would fail every mail.
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": {
            key: value
            for key, value in {
                "host": env_str("EMAIL_HOST"),
                "port": env_int("EMAIL_PORT", 0) or None,
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", False) or None,
                "timeout": EMAIL_TIMEOUT_SECONDS or None,
            }.items()
            if value and EMAIL_IS_SMTP
        },
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "stewards@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "steward.logging.RedactSecretsFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Replace Django's own handlers so every request line passes through the redacting filter.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # HTTP clients log every request URL at INFO; platform URLs name users and content. Keep them quiet.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "slack_sdk": {"level": "WARNING"},
        "githubkit": {"level": "WARNING"},
    },
}
