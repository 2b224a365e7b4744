"""Settings for Mechanic Shop API: one module, every value from the environment.

The variables and their defaults are listed in docs/operations.md ("Settings") and in .env.example. Defaults run on
a fresh machine: SQLite and the local-memory cache. Secrets fail loudly when DEBUG is off.
"""

import os
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# A .env file fills in what the real environment leaves unset; the real environment always wins.
load_dotenv(BASE_DIR / ".env", override=False)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def env_money(name: str, default: str) -> Decimal:
    value = (os.environ.get(name) or "").strip() or default
    try:
        money = Decimal(value)
    except InvalidOperation as exc:
        raise ImproperlyConfigured(f"{name} must be an amount of money like 120.00, not {value!r}.") from exc
    if not money.is_finite() or money < 0 or money != money.quantize(Decimal("0.01")):
        raise ImproperlyConfigured(f"{name} must be an amount of money like 120.00, not {value!r}.")
    return money.quantize(Decimal("0.01"))


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY") or ("dev-only-not-secret" if DEBUG else None)
if SECRET_KEY is None:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

JWT_SIGNING_KEY = os.environ.get("JWT_SIGNING_KEY") or ("dev-only-jwt-key-not-secret" if DEBUG else None)
if JWT_SIGNING_KEY is None:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

INSTALLED_APPS = [
    # django.contrib.admin, with the shop's admin site (its name, the front desk's index page).
    "mechanic_shop.apps.ShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Django's tasks framework (the backport of 6.0's) and its database backend: `manage.py db_worker`.
    "django_tasks",
    "django_tasks_db",
    "mechanic_shop",
    "mechanic_shop.events",
    "mechanic_shop.idempotency",
    "customers",
    "mechanics",
    "inventory",
    "tickets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # django-cors-headers, before anything that can answer on its own, so those answers carry the CORS headers too
    # (a subclass that skips the library's work for requests without an Origin: mechanic_shop/api/middleware.py).
    "mechanic_shop.api.middleware.ShopCorsMiddleware",
    # Refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE with a 413, and reads what a response left unread, so the
    # client sees the answer instead of a reset connection (mechanic_shop/api/middleware.py).
    "mechanic_shop.api.middleware.RequestBodyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's session, user and messages middleware, run only for the admin, the customer's pages and callers that
    # send a session cookie: an API call with a token never pays for them (mechanic_shop/api/middleware.py).
    "mechanic_shop.api.middleware.ShopSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "mechanic_shop.api.middleware.ShopAuthenticationMiddleware",
    # Keeps the request at hand for the events its changes write: who the actor is (mechanic_shop/core/actors.py).
    "mechanic_shop.core.actors.CurrentRequestMiddleware",
    "mechanic_shop.api.middleware.ShopMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # RateLimit-Policy and RateLimit on every answer a throttle counted, and 304 for a GET whose If-None-Match matches
    # the answer's ETag: after cache_page stored the 200, so a 304 is never cached (mechanic_shop/api/middleware.py).
    "mechanic_shop.api.middleware.ResponseHeadersMiddleware",
]

ROOT_URLCONF = "mechanic_shop.urls"
WSGI_APPLICATION = "mechanic_shop.wsgi.application"
# API paths take an optional trailing slash through the router; a redirect would drop a POST body.
APPEND_SLASH = False

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
_engine = DATABASES["default"]["ENGINE"]
if _engine == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # BEGIN IMMEDIATE takes the write lock up front, so two transactions never both read then race to
        # write (SQLite has no row locks); WAL lets reads go on while one writer works.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # A page cache of 64 MiB per connection instead of SQLite's 2 MB: a page of 100 tickets reads about 3 MB of
        # scattered pages (its tickets and their related rows), which thrashed the default on every request
        # (docs/decisions/0042). Pages are cached only as they are read; the cache empties when another connection
        # writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;",
    }
elif _engine == "django.db.backends.mysql":
    DATABASES["default"]["OPTIONS"] = {
        "charset": "utf8mb4",
        # Strict mode: a value that does not fit is an error, never silently truncated.
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
        "isolation_level": "read committed",
    }
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Rate-limit counters live in a cache of their own ("throttle"), so cached pages can never push them out: with the
# local-memory cache a second store; with Redis a key prefix of their own on THROTTLE_REDIS_URL (default: the same
# server as the pages; docs/operations.md, "Redis: keeping the rate-limit counters" says how Redis must be set up).
THROTTLE_REDIS_URL = os.environ.get("THROTTLE_REDIS_URL", "") or REDIS_URL


def _redis_cache(location: str, key_prefix: str) -> dict[str, object]:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {
            # A Redis outage degrades to cache misses and open throttles instead of failing requests.
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
        },
    }


if REDIS_URL:
    CACHES = {
        "default": _redis_cache(REDIS_URL, "mechanic_shop"),
        "throttle": _redis_cache(THROTTLE_REDIS_URL, "mechanic_shop_throttle"),
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "mechanic_shop.cache"
else:
    CACHES = {
        # Django's LocMemCache without the memcached key warnings it computes on every call (core/caches.py).
        "default": {"BACKEND": "mechanic_shop.core.caches.ShopLocMemCache", "LOCATION": "mechanic-shop"},
        # A counter is a few hundred bytes: room for every client of a busy development day.
        "throttle": {
            "BACKEND": "mechanic_shop.core.caches.ShopLocMemCache",
            "LOCATION": "mechanic-shop-throttle",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    }

CUSTOMER_LIST_CACHE_SECONDS = env_int("CUSTOMER_LIST_CACHE_SECONDS", 120)

# --- Background tasks, webhooks and e-mail (docs/decisions/0023-events-webhooks-and-tasks.md) -----------------------
# Webhook deliveries and customer e-mail run in `manage.py db_worker`, on the database's own queue: no broker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# Seconds between a failed delivery (or e-mail) and its next attempt, one per retry; after the last, it has failed.
def _retry_schedule(value: list[str]) -> list[int]:
    try:
        seconds = [int(item) for item in value]
    except ValueError:
        seconds = [-1]
    if any(s < 0 for s in seconds):
        raise ImproperlyConfigured("WEBHOOK_RETRY_SCHEDULE is whole seconds, comma-separated, like 5,30,120.")
    return seconds


WEBHOOK_RETRY_SCHEDULE = _retry_schedule(env_list("WEBHOOK_RETRY_SCHEDULE", "5,30,120,600,3600,21600"))
# Webhook URLs may reach loopback, private, link-local and reserved addresses (tests, a private network).
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
# How long a worker holds a webhook (or an e-mail) while sending it: after that, with the worker gone, another takes
# over. More than a delivery's 5-second timeout.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 60)
# E-mail to customers: printed on the console under DEBUG (`make run`), SMTP otherwise unless EMAIL_BACKEND says.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "shop@example.com")

# The hourly rate a labor line gets when it is added without one.
LABOR_RATE = env_money("LABOR_RATE", "120.00")

# The shop's name, shown in the admin's header and title.
SHOP_NAME = os.environ.get("SHOP_NAME", "Mechanic Shop")

# Estimates (tickets/estimates.py): how many days the customer has to decide, whether new tickets wait for an
# approved estimate by default, and the base of the absolute links sent to customers (empty: the request's own
# scheme and host, as the proxy settings below let Django see them).
ESTIMATE_DAYS = env_int("ESTIMATE_DAYS", 7)
APPROVAL_REQUIRED = env_bool("APPROVAL_REQUIRED", default=False)
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").strip().rstrip("/")

# Idempotency-Key (mechanic_shop/idempotency/keys.py): how long a key's answer is replayed, and after how long a key
# whose request never finished (a worker killed mid-request; its work was rolled back) may be used again. Keep the
# latter well over the workers' timeout (GUNICORN_TIMEOUT).
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24)
IDEMPOTENCY_ABANDONED_SECONDS = env_int("IDEMPOTENCY_ABANDONED_SECONDS", 300)

AUTHENTICATION_BACKENDS = ["mechanic_shop.accounts.backends.CachedPermissionsBackend"]

# --- Passwords ----------------------------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "mechanic_shop.accounts.hashers.ShopArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- REST framework -----------------------------------------------------------------------------------------------
THROTTLE_ENABLED = env_bool("THROTTLE_ENABLED", default=True)


def _two_rates(name: str, default: str) -> tuple[str | None, str | None]:
    rates: list[str | None] = [*env_list(name, default)]
    if len(rates) > 2:
        raise ImproperlyConfigured(f"{name} takes at most two rates, like '50/hour,200/day'.")
    rates += [None] * (2 - len(rates))
    return rates[0], rates[1]


_anon = _two_rates("THROTTLE_ANON_RATES", "50/hour,200/day")
_user = _two_rates("THROTTLE_USER_RATES", "1000/hour,10000/day")
# Read by mechanic_shop.api.throttling at request time, so tests and operators can change them without a restart
# of the rate classes.
THROTTLE_RATES = {
    "anon_short": _anon[0],
    "anon_long": _anon[1],
    "user_short": _user[0],
    "user_long": _user[1],
    "login": os.environ.get("THROTTLE_LOGIN_RATE", "5/minute"),
    "register": os.environ.get("THROTTLE_REGISTER_RATE", "5/minute"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # JWT first: its WWW-Authenticate header is what turns a missing token into 401 rather than 403.
        "mechanic_shop.accounts.authentication.ShopJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["mechanic_shop.accounts.permissions.StaffModelPermissions"],
    "DEFAULT_THROTTLE_CLASSES": [
        "mechanic_shop.api.throttling.AnonShortThrottle",
        "mechanic_shop.api.throttling.AnonLongThrottle",
        "mechanic_shop.api.throttling.UserShortThrottle",
        "mechanic_shop.api.throttling.UserLongThrottle",
    ],
    "DEFAULT_PARSER_CLASSES": ["mechanic_shop.api.parsers.ShopJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["mechanic_shop.api.renderers.ORJSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "mechanic_shop.api.negotiation.ShopContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": [
        "mechanic_shop.api.filters.ShopFilterBackend",
        "mechanic_shop.api.filters.ShopSearchFilter",
        "rest_framework.filters.OrderingFilter",
        # After OrderingFilter: `?ordering=updated_at` gets its tie-break on id.
        "mechanic_shop.api.filters.SyncFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "mechanic_shop.api.pagination.ShopPagination",
    "PAGE_SIZE": 10,
    "EXCEPTION_HANDLER": "mechanic_shop.api.exceptions.shop_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "mechanic_shop.api.schema.ShopAutoSchema",
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "VERIFYING_KEY": None,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "TOKEN_REFRESH_SERIALIZER": "mechanic_shop.accounts.views.ShopTokenRefreshSerializer",
}

SPECTACULAR_SETTINGS = {
    # Swagger UI and ReDoc served from our own static files (drf-spectacular-sidecar), not a CDN: the docs work on
    # a shop network without the internet, and no third-party script runs on the API's origin.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "Mechanic Shop API",
    "DESCRIPTION": (
        "Customers, mechanics, service tickets and parts inventory for an independent repair shop.\n\n"
        "**Callers.** Send `Authorization: Bearer <access token>`: a staff token from `POST /auth/token` "
        "(`staffToken`), or a customer token from `POST /customers/login` (`customerToken`). Each operation lists the "
        "tokens it takes; `{}` means no token is needed.\n\n"
        '**Errors.** `400` `{"field": ["message"]}`; everything else `{"detail": "message"}`: `401` no or '
        "bad token, `403` no right, `404` no such object (or not yours), `409` a conflict with the data, `415` a "
        "body that is not JSON, `429` rate limited (with `Retry-After`).\n\n"
        "**Lists** are paginated: `?page=N&page_size=M` (alias `per_page`), default 10, at most 100, "
        'body `{"count", "next", "previous", "results"}`. Paths answer with or without a trailing slash.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI keeps the token a developer pasted across a reload (in the browser's localStorage), and never
    # asks the public validator service about the schema: the docs load nothing from outside the site.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True, "validatorUrl": None},
    # The schema and docs are public: no authentication, so a stale token cannot turn them into a 401.
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # Bearer tokens only: the session authenticator serves the admin's browser, not API clients.
    "AUTHENTICATION_WHITELIST": ["mechanic_shop.accounts.authentication.ShopJWTAuthentication"],
    "PREPROCESSING_HOOKS": ["mechanic_shop.api.schema.paths_without_trailing_slash"],
    "ENUM_NAME_OVERRIDES": {
        "TicketStatus": "tickets.models.ServiceTicket.Status",
        "EstimateStatus": ["pending", "approved", "declined", "superseded", "expired"],
        "EstimateLineKind": "tickets.models.EstimateLine.Kind",
    },
    "TAGS": [
        {"name": "auth", "description": "Staff tokens, refresh and logout. Customers log in at `/customers/login`."},
        {"name": "customers", "description": "Registration, login, each customer's own record and tickets."},
        {"name": "mechanics", "description": "The shop's mechanics, the leaderboard, and a mechanic's own tickets."},
        {"name": "inventory", "description": "Parts and their stock."},
        {"name": "service-tickets", "description": "Work orders: status, mechanics and parts."},
        {"name": "status", "description": "Liveness and health, for load balancers."},
    ],
}

# --- Browser clients (CORS) ----------------------------------------------------------------------------------------
# Browser apps served from these origins may call the API (django-cors-headers). A preflight OPTIONS is answered
# before authentication, so it needs no token. The admin is for the shop's own browser sessions: no CORS there.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "")
CORS_URLS_REGEX = r"^/(?!admin/).*$"
CORS_ALLOW_HEADERS = ("authorization", "content-type", "idempotency-key", "if-match", "if-none-match")
CORS_EXPOSE_HEADERS = ("ETag", "Retry-After", "RateLimit", "RateLimit-Policy", "Idempotent-Replayed")

# --- Security -----------------------------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
X_FRAME_OPTIONS = "DENY"

# --- Internationalisation, static files, logging ------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The API and the admin speak English only; without translation machinery every request does a little less
# (docs/decisions/0008-request-path-shortcuts.md).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Compressed, not manifest: pages still render before `collectstatic` has run.
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
    },
}

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
