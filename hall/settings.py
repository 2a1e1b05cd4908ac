"""Settings for the service hall: one module, everything from the environment (twelve-factor).

With no variables set, the embedded default runs: SQLite and a server-less Celery broker
(kombu's filesystem transport) under ``var/``. Production sets ``DATABASE_URL``, ``REDIS_URL``,
``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``HTTPS=true`` (see docs/operations.md).
"""

import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/ (never a constant)."""
    if key := env.str("SECRET_KEY", default=""):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The hall's public address, printed on every notice (its verification URL and QR code).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_fsm",
    "hall",
    "catalog",
    "approvals",
    "fees",
    "supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hall.middleware.RejectNulMiddleware",
    "hall.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hall.urls"
WSGI_APPLICATION = "hall.wsgi.application"
AUTH_USER_MODEL = "hall.User"

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
                "hall.context_processors.hall",
                "supervision.context_processors.orders",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL plus immediate transactions avoid "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    # A new connection per request costs ~10x throughput here (docs/PERFORMANCE.md).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and broker ------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Redis, degrading to local memory while Redis is down (hall/cache.py; /healthz says "degraded").
    CACHES = {
        "default": {
            "BACKEND": "hall.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=0.5),
                "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=1.0),
                "RETRY_SECONDS": env.float("CACHE_RETRY_SECONDS", default=5),
                "LOG_SECONDS": env.float("CACHE_LOG_SECONDS", default=60),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="hall")

BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
else:
    # Publishing (the outbox's doorbell) gives up fast when Redis is down: one quick retry, a 1 s connect
    # timeout. Left at kombu's defaults a request waited ~6 s per message; the sweep delivers later.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2,
        "socket_connect_timeout": 1, "socket_timeout": 5,
    }  # fmt: skip
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A guard, not the fix (issue 22, point 3): a worker child is replaced after this many tasks, so a leak in a
# library (weasyprint, fontconfig) cannot grow without bound. The fix is approvals.notices.font_config
# (one font configuration per process thread); bench/document_memory.py measures the memory.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=1000)
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
BEAT_INTERVAL_SECONDS = env.int("BEAT_INTERVAL_SECONDS", default=60)
# /healthz reports the scheduler down when its last heartbeat is older than this.
BEAT_HEARTBEAT_MAX_AGE = env.int("BEAT_HEARTBEAT_MAX_AGE", default=3 * BEAT_INTERVAL_SECONDS)
# The supervision deadline scan (supervision/scan.py): set-based and idempotent, so any interval is safe.
SCAN_INTERVAL_SECONDS = env.int("SCAN_INTERVAL_SECONDS", default=60)
# 监察告警: the dashboard and the summary API raise the alarm when the scan has not run for this long.
SCHEDULER_ALARM_MINUTES = env.int("SCHEDULER_ALARM_MINUTES", default=5)
# The anomaly rules the scan runs too (supervision/rules.py; docs/supervision.md, "Anomaly rules"). No national
# values exist (DOMAIN.md §2): a decision in less than this fraction of its committed period (即办件 excepted) …
ANOMALY_FAST_DECISION_FRACTION = env.float("ANOMALY_FAST_DECISION_FRACTION", default=0.1)
# … more suspensions/extensions than these on one case, or by one person in a calendar month …
ANOMALY_MAX_SUSPENSIONS_PER_CASE = env.int("ANOMALY_MAX_SUSPENSIONS_PER_CASE", default=2)
ANOMALY_MAX_SUSPENSIONS_PER_CLERK_MONTH = env.int("ANOMALY_MAX_SUSPENSIONS_PER_CLERK_MONTH", default=10)
# … at least this many 不满意/非常不满意 ratings on one window within one period of this many days.
ANOMALY_BAD_RATINGS_PER_WINDOW = env.int("ANOMALY_BAD_RATINGS_PER_WINDOW", default=3)
ANOMALY_BAD_RATINGS_DAYS = env.int("ANOMALY_BAD_RATINGS_DAYS", default=7)
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=30)
# The front desk (hall.frontdesk) reaches items and cases through this module (hall imports no later app).
FRONTDESK_ADAPTER = "approvals.frontdesk"
# 爽约: a booking not checked in this many minutes after its slot ended is recorded as a no-show; this many
# no-shows within FRONTDESK_NO_SHOW_DAYS days stop online booking for FRONTDESK_NO_SHOW_BAN_DAYS days.
FRONTDESK_NO_SHOW_GRACE_MINUTES = env.int("FRONTDESK_NO_SHOW_GRACE_MINUTES", default=30)
FRONTDESK_NO_SHOW_LIMIT = env.int("FRONTDESK_NO_SHOW_LIMIT", default=3)
FRONTDESK_NO_SHOW_DAYS = env.int("FRONTDESK_NO_SHOW_DAYS", default=90)
FRONTDESK_NO_SHOW_BAN_DAYS = env.int("FRONTDESK_NO_SHOW_BAN_DAYS", default=30)
# Slots are made this many days ahead (beat, daily) from the categories' templates.
FRONTDESK_BOOKING_DAYS = env.int("FRONTDESK_BOOKING_DAYS", default=14)
# The hall office (政务服务管理办公室) that assigns agents (代办员) to investment projects.
HALL_OFFICE_DEPARTMENT = env.str("HALL_OFFICE_DEPARTMENT", default="ZWB")
# 3550 figures (supervision/three_five_fifty.py): which items (filed on their own) and which 一件事 bundles measure a
# business start-up, a real-estate registration and a construction permit, first filing to approval, against targets.
STATISTICS_3550 = {
    "business": {"label": "企业开办", "target_days": 3, "items": ["SCJGJ-XK-0001", "SCJGJ-GG-0002", "SCJGJ-XK-0006"],
                 "bundles": ["YJS-KBQY"]},
    "real_estate": {"label": "不动产登记", "target_days": 5,
                    "items": ["ZRZYJ-QR-0001", "ZRZYJ-QR-0002", "ZRZYJ-QR-0003", "ZRZYJ-QR-0004"],
                    "bundles": ["YJS-ESFMM"]},
    "construction": {"label": "工程建设项目施工许可", "target_days": 50, "items": ["ZJJ-XK-0001"]},
}  # fmt: skip
# 绩效评估 (supervision/scores.py; docs/supervision.md, "Scores"): the parts of a month's score and their weights
# (summing to 100). No national formula exists; a hall sets its own here. Published months keep the weights they used.
SCORE_FORMULA = {
    "on_time": {"label": "按时办结率", "weight": 30},
    "satisfaction": {"label": "好差评满意度", "weight": 15},
    "correction": {"label": "一次性告知（补正率）", "weight": 10},
    "cards": {"label": "红黄牌", "weight": 20, "red": 2, "yellow": 0.5},
    "orders": {"label": "督办逾期", "weight": 10, "per": 5, "count": "orders_overdue", "unit": "逾期升级的督办"},
    "anomalies": {"label": "异常行为", "weight": 5, "per": 1, "count": "anomalies", "unit": "经督办确认的异常行为"},
    "audits": {"label": "办件抽查", "weight": 5, "per": 2.5, "count": "audit_issues", "unit": "抽查发现问题"},
    "complaints": {"label": "投诉属实", "weight": 5, "per": 2.5, "count": "complaints_upheld", "unit": "属实投诉"},
}  # fmt: skip
# 办件抽查 (supervision/sampling.py): 即办件 are sampled as their own stratum at this share (at least one).
SAMPLING_INSTANT_RATE = env.float("SAMPLING_INSTANT_RATE", default=0.05)
# 接待人次 (visitors per day) in the statistics: the front desk's queue tickets, ``app_label.Model.date_field``;
# not shown while that model has no rows in the range.
STATISTICS_VISITORS_SOURCE = env.str("STATISTICS_VISITORS_SOURCE", default="hall.Ticket.day")

# --- 好差评 and complaints (issue 21; docs/ratings.md) --------------------------------------------------
# A rating may be changed once within this many hours of being given (GB/T 39734 评价时效: NF, local choice).
RATING_EDIT_HOURS = env.int("RATING_EDIT_HOURS", default=24)
# A bad rating is verified (回访核实) within 1 working day and rectified within this many working days
# (a Sichuan city's 15 working days; the national figure is NF).
RATING_VERIFY_DAYS = env.int("RATING_VERIFY_DAYS", default=1)
RATING_RECTIFY_DAYS = env.int("RATING_RECTIFY_DAYS", default=15)
# The SMS rating link of a window visit is valid this many days (Guangdong: 7 calendar days to rate).
RATING_LINK_DAYS = env.int("RATING_LINK_DAYS", default=7)
# 行政区划代码 of the hall in the provincial 好差评 export (GB/T 2260; set it to the district's code).
RATING_AREA_CODE = env.str("RATING_AREA_CODE", default="330106")
# Complaints: the department's default answer period (working days) and the duplicate window (days).
COMPLAINT_DUE_DAYS = env.int("COMPLAINT_DUE_DAYS", default=5)
COMPLAINT_MERGE_DAYS = env.int("COMPLAINT_MERGE_DAYS", default=30)
# 12345 hotline: the shared HMAC key of its signed calls, and where answers go back (outbox, retried).
HOTLINE_SECRET = env.str("HOTLINE_SECRET", default="hotline-secret-change-me")
HOTLINE_BACKEND = env.str("HOTLINE_BACKEND", default="supervision.hotline.LoggingBackend")
HOTLINE_URL = env.str("HOTLINE_URL", default="")
CELERY_BEAT_SCHEDULE = {
    "beat-heartbeat": {"task": "hall.tasks.beat_heartbeat", "schedule": BEAT_INTERVAL_SECONDS},
    "scan-deadlines": {"task": "supervision.tasks.scan_deadlines_task", "schedule": SCAN_INTERVAL_SECONDS},
    "sweep-outbox": {"task": "hall.tasks.sweep_outbox", "schedule": env.int("OUTBOX_SWEEP_SECONDS", default=60)},
    # done outbox rows are receipts, not records: kept OUTBOX_RETENTION_DAYS, then deleted (hall.outbox.purge_done)
    "purge-outbox": {"task": "hall.tasks.purge_outbox", "schedule": crontab(hour=3, minute=15)},
    # the daily digest of the audit chains (hall.digest), after midnight so it seals the day before
    "audit-digest": {"task": "hall.audit_tasks.audit_digest", "schedule": crontab(hour=0, minute=5)},
    # 对账 of yesterday (fees.reconcile): after the platform publishes its statement for the day before
    "reconcile-payments": {"task": "fees.tasks.reconcile_yesterday", "schedule": crontab(hour=2, minute=30)},
    # the front desk: slots ahead from the templates, no-shows after each slot, reminders the evening before
    "appointment-slots": {"task": "hall.frontdesk.tasks.make_slots", "schedule": crontab(hour=1, minute=0)},
    "appointment-no-shows": {"task": "hall.frontdesk.tasks.record_no_shows", "schedule": crontab(minute="*/10")},
    "appointment-reminders": {"task": "hall.frontdesk.tasks.send_reminders", "schedule": crontab(hour=18, minute=0)},
    # 月度报告 (supervision.report): daily; generates the previous month's once, on the month's first working day
    "monthly-report": {"task": "supervision.tasks.monthly_report_task", "schedule": crontab(hour=7, minute=30)},
}

# --- Auth, sessions, login throttling ------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; the public reads only public data
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "hall.security.lockout_response"

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root before collectstatic
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Only MEDIA_ROOT/catalog/ is served at this URL (catalog.views.public_file); uploads are served by views.
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # whitenoise's manifest storage; a file missing from the manifest is logged, not a 500 (hall/storage.py).
    "staticfiles": {"BACKEND": "hall.storage.StaticFilesStorage"},
}
UPLOAD_MAX_MB = env.int("UPLOAD_MAX_MB", default=20)

# Reform modes (issue 17; docs/workflow.md). 告知承诺制: after a commitment found false the applicant may
# not use tell-and-commit for that item for this many days (信用约束; a credit period, not a legal clock).
TELL_AND_COMMIT_RESTRICTION_DAYS = env.int("TELL_AND_COMMIT_RESTRICTION_DAYS", default=365)
# 秒批: the share of instant approvals drawn for a supervisor's audit (0.0 – 1.0).
INSTANT_APPROVAL_SAMPLE_RATE = env.float("INSTANT_APPROVAL_SAMPLE_RATE", default=0.2)
# 双向推送: a decision push to a regulator's webhook is given up after this many failed attempts (the
# outbox retries with a growing delay between them); timeout of one delivery in seconds.
REGULATOR_PUSH_MAX_ATTEMPTS = env.int("REGULATOR_PUSH_MAX_ATTEMPTS", default=10)
REGULATOR_PUSH_TIMEOUT = env.float("REGULATOR_PUSH_TIMEOUT", default=5.0)
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Mail (notifications); the embedded default writes mails to var/mail ------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
SMS_BACKEND = env.str("SMS_BACKEND", default="hall.sms.LoggingBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="行政服务中心 <noreply@hall.local>")

# --- Payments --------------------------------------------------------------------------------------
FEES_SIMULATOR_SECRET = env.str("FEES_SIMULATOR_SECRET", default="simulator-secret-change-me")
# Courier tracking callbacks (approvals.carriers): HMAC-SHA256 key shared with the courier.
DELIVERY_CALLBACK_SECRET = env.str("DELIVERY_CALLBACK_SECRET", default="carrier-secret-change-me")

# --- Proxies: who the client is (hall/net.py, docs/operations.md) -------------------------------------
# Behind a TLS proxy that sets X-Forwarded-Proto (docs/operations.md).
TRUST_X_FORWARDED_PROTO = env.bool("TRUST_X_FORWARDED_PROTO", default=False)
if TRUST_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies append to X-Forwarded-For; 0 = the socket address is the client, the header is
# ignored (audit trail, API throttles, login lockout). TRUST_X_FORWARDED_PROTO alone means one proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if TRUST_X_FORWARDED_PROTO else 0)
# Optional addresses/networks of those proxies: the header is read only on connections from them.
TRUSTED_PROXY_NETWORKS = env.list("TRUSTED_PROXY_NETWORKS", default=[])
AXES_CLIENT_IP_CALLABLE = "hall.net.client_ip"

# --- API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous API call answers 401 with a WWW-Authenticate header.
        "hall.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # hall.parsers.JSONParser: deeply nested JSON is a 400, never a RecursionError (issue 12).
    "DEFAULT_PARSER_CLASSES": [
        "hall.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # hall.schema.AutoSchema documents the error responses (400 … 429, one shape) every operation can give.
    "DEFAULT_SCHEMA_CLASS": "hall.schema.AutoSchema",
    "EXCEPTION_HANDLER": "hall.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "hall.throttling.AnonRateThrottle",
        "hall.throttling.UserRateThrottle",
    ],
    # For views that name DRF's own throttle classes; hall.throttling reads hall.net.client_ip.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # Sized for a hall (docs/operations.md, "Throttles"): hundreds of citizens share the public Wi-Fi's
    # address, so per-address rates are generous and accounts are counted per user; the lookups by number
    # and query code also count per number, whatever the address.
    "DEFAULT_THROTTLE_RATES": {
        # visitors per address: ~300 phones on a hall's Wi-Fi × ~10 API calls a minute
        "anon": env.str("THROTTLE_ANON", default="3000/min"),
        # accounts per user: above what one sequential client pulls from the fastest list; stops runaway loops
        "user": env.str("THROTTLE_USER", default="3000/min"),
        "login": env.str("THROTTLE_LOGIN", default="20/min"),
        # lookups by number + 查询码 (cases, bundles, complaints; API and pages), per address
        "progress": env.str("THROTTLE_PROGRESS", default="600/min"),
        # the same lookups per looked-up number, from any address: caps guesses at one number's code
        "progress_number": env.str("THROTTLE_PROGRESS_NUMBER", default="20/hour"),
        "kiosk": env.str("THROTTLE_KIOSK", default="60/min"),
        "board": env.str("THROTTLE_BOARD", default="600/min"),
        # complaints filed without an account, per client address (issue 21)
        "complaints_anon": env.str("THROTTLE_COMPLAINTS_ANON", default="5/hour"),
        # e-licence verification (API and page), per address: numbers are sequential, no code to guess
        "licences": env.str("THROTTLE_LICENCES", default="60/min"),
        # the 12345 hotline's work orders (signed), per client address: one platform, bursts (issue 21)
        "hotline": env.str("THROTTLE_HOTLINE", default="600/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "行政服务中心 API",
    "DESCRIPTION": "Service Hall: catalog, applications, fees and e-monitoring (电子监察).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # 评价渠道 (GB/T 39046 表9) beside the case's 申报渠道: two choice sets named "channel"
    "ENUM_NAME_OVERRIDES": {
        "RatingChannelEnum": "approvals.models.Evaluation.Channel",
        "ChannelEnum": "approvals.models.Application.Channel",
        "LicenceStatusEnum": "approvals.models_licences.Licence.Status",
    },
}

# --- Security ----------------------------------------------------------------------------------------
# HTTPS=true behind TLS (directly or via a proxy that sets X-Forwarded-Proto); docs/operations.md.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Logging -----------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
CSRF_FAILURE_VIEW = "hall.views.csrf_failure"
