"""Django settings.

SQLite (WAL) under DUBAN_DATA_DIR is the embedded default; DATABASE_URL selects PostgreSQL.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("DUBAN_DATA_DIR", Path.cwd() / "var")).resolve()

# The secret key: DUBAN_SECRET_KEY, else the file DUBAN_SECRET_KEY_FILE names, else
# $DUBAN_DATA_DIR/secret_key (the embedded install's, written 0600 by the first `duban serve`).
# The fallback is public: `duban serve` refuses it except for the demo (docs/DEPLOY.md).
INSECURE_SECRET_KEY = "dev-insecure-change-me"
SECRET_KEY_FILE = Path(os.environ.get("DUBAN_SECRET_KEY_FILE") or DATA_DIR / "secret_key")


def _secret_key() -> str:
    if os.environ.get("DUBAN_SECRET_KEY"):
        return os.environ["DUBAN_SECRET_KEY"]
    try:
        return SECRET_KEY_FILE.read_text(encoding="utf-8").strip() or INSECURE_SECRET_KEY
    except FileNotFoundError:
        return INSECURE_SECRET_KEY


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DUBAN_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("DUBAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
DEMO_MODE = os.environ.get("DUBAN_DEMO", "0") == "1"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Login throttling; before duban.orgs so its failed-login receiver runs before the journal's.
    "axes",
    # Serves Swagger UI's assets locally: /api/docs must work on an office network without a CDN.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "duban.core",
    "duban.orgs",
    "duban.workcal",
    "duban.journal",
    "duban.items",
    "duban.plans",
    "duban.notify",
    "duban.targets",
    "duban.ledgers",
    "duban.workbench",
    "duban.bulletins",
    "duban.dashboard",
    "duban.demo",
    "duban.backup",
    "duban.web",
]

MIDDLEWARE = [
    "duban.core.middleware.RequestSizeLimit",
    # Every error under /api/ as the API's JSON, whichever layer below produced it.
    "duban.core.middleware.ApiErrors",
    # Control characters in the path, query, cookies and form fields, before anything reads them.
    "duban.core.middleware.InputGuard",
    "django.middleware.security.SecurityMiddleware",
    "duban.web.staticfiles.StaticFilesMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "duban.orgs.middleware.SessionLimits",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a locked-out login into the login page with the reason.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "duban.urls"
WSGI_APPLICATION = "duban.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "duban.web.context.duban",
            ],
        },
    }
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        db = dj_database_url.parse(url, conn_max_age=60)
        # No JIT: its compilation (100–300 ms) is paid by any query whose estimated cost passes
        # jit_above_cost — a province's bulletin or dashboard query — and never earned back by
        # queries that run in tens of milliseconds (the bulletin preview: 500 → 300 ms).
        if db["ENGINE"].endswith("postgresql"):
            db.setdefault("OPTIONS", {})["options"] = "-c jit=off"
            # Server-side parameters (which also let the hottest reads take binary rows:
            # core.sqlrows.binary_results), and statements prepared from their second use: a
            # page's dozen queries then skip PostgreSQL's parse and plan (item page 17.5 → 14.4
            # ms, queue 18.1 → 15.5 in-process). Behind a transaction-pooling PgBouncer (which
            # cannot keep a session's prepared statements) set DUBAN_PG_PREPARE=0: unnamed
            # statements only, still bound on the server.
            db["OPTIONS"]["server_side_binding"] = True
            if os.environ.get("DUBAN_PG_PREPARE", "1") == "1":
                db["OPTIONS"]["prepare_threshold"] = 2
        if os.environ.get("DUBAN_TEST_DB_NAME"):
            db["TEST"] = {"NAME": os.environ["DUBAN_TEST_DB_NAME"]}
        return db
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DUBAN_SQLITE_PATH", str(DATA_DIR / "duban.sqlite3")),
        # WAL + IMMEDIATE: readers never block the writer, and a write transaction takes the
        # write lock up front so two writers queue instead of failing with "database is locked".
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        # Each server thread keeps its connection (and its page cache) between requests instead
        # of opening the file and running the PRAGMAs again on every one.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"
# Axes first: a locked-out account or address is refused before its password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "duban.orgs.backends.UserBackend"]

# The password policy (duban.orgs.passwords), applied wherever a password is set.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "duban.orgs.passwords.LengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "duban.orgs.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "duban.orgs.passwords.NotUsernameValidator"},
    {"NAME": "duban.orgs.passwords.HistoryValidator"},
]

# Login throttling (django-axes through duban.orgs.lockout): an account is locked after this
# many wrong passwords, an address after DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS (higher, since an
# office shares one NAT address), for DUBAN_LOGIN_LOCKOUT_MINUTES or until an admin unlocks it.
AXES_FAILURE_LIMIT = int(os.environ.get("DUBAN_LOGIN_MAX_FAILURES", 5))
DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("DUBAN_LOGIN_MAX_FAILURES_PER_ADDRESS", 20))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("DUBAN_LOGIN_LOCKOUT_MINUTES", 30)))
AXES_HANDLER = "duban.orgs.lockout.Handler"
# Rows are per username; duban.orgs.lockout.Handler counts per address itself. Were the address
# a lockout parameter, a successful login would also clear its address's count, and one valid
# account would let an attacker keep spraying passwords at the others from that address.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_CALLABLE = "duban.orgs.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# The journal keeps every login and logout; axes' own access log would be a second, unchained copy.
AXES_DISABLE_ACCESS_LOG = True
# Unlocking is the 人员 page's journaled action, not a row deleted on Django's admin site.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# Behind a reverse proxy every request comes from the proxy: count the client it forwards instead
# (DUBAN_PROXY_COUNT = how many proxies stand in front; 0 = none, use the peer address).
DUBAN_PROXY_COUNT = int(os.environ.get("DUBAN_PROXY_COUNT", 0))
if DUBAN_PROXY_COUNT:
    AXES_CLIENT_IP_CALLABLE = "duban.orgs.lockout.forwarded_address"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Static files are served by the app itself (whitenoise): `duban serve` collects them into
# STATIC_ROOT with gzip copies and turns WHITENOISE_USE_FINDERS off; any other process
# (tests, a bare `gunicorn duban.wsgi` as bench/over_http.py runs) serves them from the apps.
# Plain names, not a hashed manifest, so a page renders whether or not anything was collected;
# browsers revalidate after WHITENOISE_MAX_AGE (60 s).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "duban.web.staticfiles.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- HTTPS (behind nginx with TLS: docs/DEPLOY.md) ------------------------------------------
# DUBAN_HTTPS=1: cookies only over TLS, HSTS, and http:// redirected to https://. nginx must set
# X-Forwarded-Proto itself (never pass the client's), and gunicorn listen on loopback only.
DUBAN_HTTPS = os.environ.get("DUBAN_HTTPS", "0") == "1"
if DUBAN_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DUBAN_HSTS_SECONDS", 365 * 24 * 3600))
    # Both only widen HSTS below the app's own host name (duban.example.gov.cn covers
    # *.duban.example.gov.cn); "preload" does nothing until someone submits the apex domain.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# The session cookie is never read by a script; the CSRF cookie neither (forms carry the token).
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read by hand (the first query of every page).
SESSION_ENGINE = "duban.orgs.sessions"
CSRF_COOKIE_HTTPONLY = True

# --- Content-Security-Policy (django-csp 4) --------------------------------------------------
# Scripts only from our own static files: no inline <script>, no on*= attributes, no eval.
# Styles allow 'unsafe-inline': ECharts builds its tooltips as HTML with style attributes and
# Swagger UI (/api/docs) injects styles; a style cannot run code, and every script stays strict.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # data: for ECharts' "save as image" and the images Swagger UI and the admin inline.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
MEDIA_ROOT = Path(os.environ.get("DUBAN_MEDIA_ROOT", DATA_DIR / "files"))
MEDIA_URL = "/files/"

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Attachments: size cap and the content types we accept (sniffed from bytes, not trusted from names).
DUBAN_MAX_UPLOAD_BYTES = int(os.environ.get("DUBAN_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
DUBAN_MAX_REPORT_BYTES = int(os.environ.get("DUBAN_MAX_REPORT_BYTES", 5 * 1024 * 1024))
# What one report may decompose into: a small upload can expand (a zipped .docx, 100k short
# lines, 10k numbered tasks), so decoding stops at these caps (duban.workplan.decode.Limits).
# The largest of 40 real reports is about 33k characters and 414 tasks.
DUBAN_REPORT_MAX_CHARS = int(os.environ.get("DUBAN_REPORT_MAX_CHARS", 300_000))
DUBAN_REPORT_MAX_LINES = int(os.environ.get("DUBAN_REPORT_MAX_LINES", 20_000))
DUBAN_REPORT_MAX_TASKS = int(os.environ.get("DUBAN_REPORT_MAX_TASKS", 3_000))
DUBAN_REPORT_MAX_UNZIPPED_BYTES = int(os.environ.get("DUBAN_REPORT_MAX_UNZIPPED_BYTES", 20 * 1024 * 1024))
# Classification markings refused in items, reports and imported reports (duban.core.classified):
# comma-separated; each counts only where it is used as a marking (秘密★一年, 密级：机密, a
# 【内部资料】 line at the head), never as an ordinary word in a sentence.
DUBAN_CLASSIFIED_MARKINGS = [
    w.strip()
    for w in os.environ.get("DUBAN_CLASSIFIED_MARKINGS", "绝密,机密,秘密,内部").split(",")
    if w.strip()
]
# No request body may be larger than the largest upload plus the form around it (a report form
# carries several attachments): refused before Django reads it (duban.core.middleware).
DUBAN_MAX_REQUEST_BYTES = int(
    os.environ.get(
        "DUBAN_MAX_REQUEST_BYTES", max(DUBAN_MAX_UPLOAD_BYTES * 5, DUBAN_MAX_REPORT_BYTES) + 1024 * 1024
    )
)
# Django's own caps under it: a body read whole (a form's fields, an API call's JSON) holds at
# most one upload's worth plus the form, never more than the request cap; uploaded files over
# FILE_UPLOAD_MAX_MEMORY_SIZE spool to disk. nginx's client_max_body_size = the request cap.
DATA_UPLOAD_MAX_MEMORY_SIZE = min(DUBAN_MAX_UPLOAD_BYTES + 1024 * 1024, DUBAN_MAX_REQUEST_BYTES)
# Argon2 for new and changed passwords; an older PBKDF2 hash is upgraded at its next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# A working day, not the default two weeks: an office PC left logged in does not stay so.
# duban.orgs.middleware.SessionLimits ends a login after DUBAN_SESSION_HOURS however busy, and
# after DUBAN_SESSION_IDLE_MINUTES without a request from its person (0 turns a limit off).
DUBAN_SESSION_HOURS = int(os.environ.get("DUBAN_SESSION_HOURS", 12))
DUBAN_SESSION_IDLE_MINUTES = int(os.environ.get("DUBAN_SESSION_IDLE_MINUTES", 30))
SESSION_COOKIE_AGE = max(DUBAN_SESSION_HOURS, 1) * 3600
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Yellow light: a node falls due within this many working days.
DUBAN_YELLOW_WORKING_DAYS = int(os.environ.get("DUBAN_YELLOW_WORKING_DAYS", 1))
# After a return, the unit gets this many working days for a new result.
DUBAN_RETURN_WORKING_DAYS = int(os.environ.get("DUBAN_RETURN_WORKING_DAYS", 3))
# An item-list export larger than this is refused with advice to narrow the filter (one request
# holding a whole province's workbook in memory would starve the other users).
DUBAN_EXPORT_MAX_ROWS = int(os.environ.get("DUBAN_EXPORT_MAX_ROWS", 100_000))
# 统计数 and the unit's own figure differing by more than this share are flagged 数据不一致.
DUBAN_TARGET_STATS_TOLERANCE = float(os.environ.get("DUBAN_TARGET_STATS_TOLERANCE", 0.02))

# --- Notifications (duban.notify) -----------------------------------------------------------
# Links in e-mails, SMS and robot messages point here.
DUBAN_BASE_URL = os.environ.get("DUBAN_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Background work runs on Django's Tasks framework; the database backend keeps the queue in the
# same database (SQLite or PostgreSQL), so `duban worker` processes on any host can share it.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("DUBAN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# E-mail: SMTP when DUBAN_EMAIL_HOST is set (or any backend named in DUBAN_EMAIL_BACKEND).
EMAIL_HOST = os.environ.get("DUBAN_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("DUBAN_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("DUBAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DUBAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("DUBAN_EMAIL_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("DUBAN_EMAIL_SSL", "0") == "1"
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DUBAN_EMAIL_FROM", "督办系统 <duban@localhost>")
EMAIL_BACKEND = os.environ.get("DUBAN_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DUBAN_EMAIL_ENABLED = bool(EMAIL_HOST or os.environ.get("DUBAN_EMAIL_BACKEND"))
# SMS: a dotted path to a duban.notify.channels.SmsBackend subclass; empty = no SMS.
# "duban.notify.channels.FileSmsBackend" appends to DUBAN_SMS_FILE (the demo uses it).
DUBAN_SMS_BACKEND = os.environ.get("DUBAN_SMS_BACKEND", "")
DUBAN_SMS_FILE = os.environ.get("DUBAN_SMS_FILE", str(DATA_DIR / "sms.jsonl"))
# How often an open page asks for the header's unread count.
DUBAN_INBOX_POLL_SECONDS = int(os.environ.get("DUBAN_INBOX_POLL_SECONDS", 30))
# Inbox messages are kept this long.
DUBAN_NOTIFY_RETENTION_DAYS = int(os.environ.get("DUBAN_NOTIFY_RETENTION_DAYS", 180))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
