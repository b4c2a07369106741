"""Settings for Chỉ số CCHC An Giang, read from the environment.

Two modes:
- local (default): safe defaults for a developer machine; an embedded PostgreSQL under ``var/``
  when ``DATABASE_URL`` is not set.
- production (``DJANGO_ENV=production``): ``DEBUG`` off, ``SECRET_KEY`` and ``ALLOWED_HOSTS``
  required, secure cookies, HSTS and HTTPS redirects; static files served by whitenoise.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or default


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


PRODUCTION = env_str("DJANGO_ENV", "local") == "production"

if PRODUCTION:
    DEBUG = env_bool("DJANGO_DEBUG", False)
    SECRET_KEY = env_str("SECRET_KEY")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
else:
    DEBUG = env_bool("DJANGO_DEBUG", False)
    SECRET_KEY = env_str(
        "SECRET_KEY", "insecure-local-only-key-do-not-use-in-production-0123456789"
    )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The admin site answers superusers only (reform_plan/admin_site.py).
    "reform_plan.apps.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials.apps.SimpleAppConfig",
    "simple_history",
    "axes",
    "csp",
    "targets",
    "indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "reform_plan.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After authentication: a signed-in user's pages are never stored by the browser.
    "reform_plan.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "indicators.data_version.VersionFirstMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reform_plan.urls"
WSGI_APPLICATION = "reform_plan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "indicators.context_processors.demo_data",
                "indicators.context_processors.navigation",
            ],
            "builtins": ["template_partials.templatetags.partials"],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
        },
    }
]

# --- Database: PostgreSQL everywhere -------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL is None:
    from reform_plan.embedded_postgres import database_url

    PGDATA = Path(env_str("PGDATA_DIR", str(BASE_DIR / "var" / "pgdata")))
    DATABASE_URL = database_url(PGDATA)
# Persistent connections (seconds; 0 = one per request) with a health check at the start of each
# request, so a connection broken by a database restart is replaced without restarting the app.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://...).")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches: computed results keyed on the data version (indicators/data_version.py) ---------
# Two tiers: each worker's memory ("results"), and behind it a table in PostgreSQL shared by every
# worker and server ("results_shared", created by migration indicators 0005), so a slow result
# (a national-scale PDF) is computed once, not once per worker. Entries are never invalidated,
# only no longer asked for: they expire after RESULTS_CACHE_DAYS. ``RESULTS_CACHE=false``
# computes every time.
RESULTS_CACHE = env_bool("RESULTS_CACHE", True)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "results": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "results",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": env_int("RESULTS_CACHE_ENTRIES", 300)},
    },
    # bounded in bytes too: the values total at most RESULTS_SHARED_MAX_BYTES, and one value
    # larger than RESULTS_SHARED_MAX_VALUE_BYTES stays in its worker's memory (data_version.py)
    "results_shared": {
        "BACKEND": "indicators.data_version.BoundedDatabaseCache",
        "LOCATION": "indicators_results_cache",
        "TIMEOUT": env_int("RESULTS_CACHE_DAYS", 7) * 86400,
        "OPTIONS": {
            "MAX_ENTRIES": env_int("RESULTS_SHARED_CACHE_ENTRIES", 3000),
            "MAX_BYTES": env_int("RESULTS_SHARED_MAX_BYTES", 64 * 1024 * 1024),
            "MAX_VALUE_BYTES": env_int("RESULTS_SHARED_MAX_VALUE_BYTES", 8 * 1024 * 1024),
        },
    },
}

# --- Authentication: every page needs a login (LoginRequiredMiddleware) ----------------------
# django-axes first, as it requires: it refuses a locked-out username+IP before any check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "reform_plan.passwords.MinimumLengthValidatorVi",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and formats: Vietnamese first --------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
# Django's own `vi` formats have no digit grouping and no dd/mm/yyyy input: ours override them.
FORMAT_MODULE_PATH = ["reform_plan.formats"]

# --- Static files: whitenoise, compressed and cached; plotly.js from the plotly package -------
STATIC_URL = "static/"
# STATIC_ROOT from the environment lets the benchmark (bench/run) collect into a temporary folder.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "reform_plan.staticfiles.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_MAX_AGE = 31536000 if PRODUCTION else 3600

# Evidence files live outside the web root and are served by a permission-checking view.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

# --- Security ---------------------------------------------------------------------------------
# README "Bảo mật / Security" explains each choice.
# Sessions end after SESSION_IDLE_MINUTES without a request; every request extends them.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
# A refused CSRF check gets a Vietnamese page of the site with a way back (reform_plan/error_pages).
CSRF_FAILURE_VIEW = "reform_plan.error_pages.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Brute force: AXES_FAILURE_LIMIT wrong passwords for one username from one address lock that
# pair out for AXES_COOLOFF_MINUTES (each further try while locked restarts the wait). An
# administrator lifts it earlier in the admin ("Access attempts") or with
# `manage.py axes_reset_username <name>`.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "reform_plan.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
# The address is REMOTE_ADDR: behind the reverse proxy every client shares the proxy's, so the
# lockout then acts per username (README, "Bảo mật").

# Content-Security-Policy (django-csp 4): no inline script anywhere, nothing from other sites.
# plotly.js adds <style> elements at run time (modebar, hover labels), so <style> elements may be
# inline (style-src-elem); style="" attributes may not (style-src-attr falls back to style-src),
# and scripts never are (README, "Bảo mật").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- E-mail (password reset) ----------------------------------------------------------------
# Locally and under scripts/run, mail is printed on the console (nothing is sent); production
# uses SMTP with the settings below (.env.example documents each). EMAIL_BACKEND may name any
# Django backend, e.g. django.core.mail.backends.filebased.EmailBackend with EMAIL_FILE_PATH.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587 if PRODUCTION else 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", PRODUCTION)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Chỉ số CCHC An Giang <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = Path(env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail")))
# A password reset link is valid this long (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_HOURS", 24) * 3600

# --- Product settings -------------------------------------------------------------------------
# Reports for a quarter are due on this day of the month after the quarter (e.g. 15/04 for Q1).
REPORTING_DEADLINE_DAY = env_int("REPORTING_DEADLINE_DAY", 15)
# Demo users and demo figures are refused in production.
DEMO_ALLOWED = not PRODUCTION
# Separation of duties: whoever entered or submitted a figure does not approve it
# (indicators.workflow.approval_refusal). A small team with one reviewer may allow it.
ALLOW_SELF_APPROVAL = env_bool("ALLOW_SELF_APPROVAL", False)
# The history's change reason holds a return or reopen reason, which may be a paragraph (the
# review form takes 2000 characters): a text column, not simple-history's varchar(100).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# Issue #4 (data entry in the browser): upload limits. Evidence files (PDF, images, Word/Excel)
# up to 10 MB each. Figure files (CSV/XLSX, issue #8): up to 10 MB and 200.000 data rows for
# the command line and the reader they share with the browser; the browser's upload stops at
# 20.000 rows, since its preview lists every change. Larger uploads are spooled to a temporary
# file by Django (FILE_UPLOAD_MAX_MEMORY_SIZE), never held in memory, then refused by the form.
# A reverse proxy should also cap request bodies (nginx client_max_body_size).
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_UPLOAD_ROWS = env_int("IMPORT_MAX_UPLOAD_ROWS", 20_000)
# Seconds a browser upload may spend reading its file before it is refused with a message:
# well inside gunicorn's 30-second worker timeout (20.000 rows read in about 2 s).
IMPORT_MAX_SECONDS = env_int("IMPORT_MAX_SECONDS", 15)
# Form fields other than files: the grid posts at most a few hundred fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
