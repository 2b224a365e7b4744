"""gunicorn settings for production and the benchmark: `gunicorn -c gunicorn.conf.py mechanic_shop.wsgi:application`.

Every value can be set from the environment (GUNICORN_*). Logs go to stdout/stderr for the platform to collect.
"""

import gc
import importlib
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count())))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "1000"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Load the app once in the master, so workers share its memory pages and start fast.
preload_app = True

# Forwarded headers are trusted exactly as the Django settings trust them. gunicorn's own defaults trust
# X-Forwarded-Proto, X-Forwarded-Ssl and X-Forwarded-Protocol from loopback: a proxy on the same host that passes a
# client's headers through would let that client claim HTTPS and skip SECURE_SSL_REDIRECT, even with
# SECURE_PROXY_SSL_HEADER off. So: off → no forwarded header from anyone; on → X-Forwarded-Proto only, from the
# proxy's addresses (GUNICORN_FORWARDED_ALLOW_IPS, default this host).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mechanic_shop.settings")
_proxy_ssl_header = getattr(
    importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"]), "SECURE_PROXY_SSL_HEADER", None
)
if _proxy_ssl_header:
    _meta_name, _secure_value = _proxy_ssl_header  # ("HTTP_X_FORWARDED_PROTO", "https")
    secure_scheme_headers = {_meta_name.removeprefix("HTTP_").replace("_", "-"): _secure_value}
    forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
else:
    secure_scheme_headers = {}
    forwarded_allow_ips = ""
# gunicorn's control socket sits at one path per user ($HOME/.gunicorn/gunicorn.ctl), so two servers on one machine
# (tests, benchmark, several apps) would fight over it. Off unless asked for.
control_socket_disable = os.environ.get("GUNICORN_CONTROL_SOCKET", "") == ""
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]


def pre_fork(server: object, worker: object) -> None:
    """In the master, just before each worker is forked: move every object the master holds (the whole app, loaded
    once by `preload_app`) out of the garbage collector's reach, as Python's documentation advises for fork().

    A worker then never scans those objects: not in its own collections while serving, and not when it exits. A
    worker that is recycled (`max_requests`) otherwise spent about 300 ms of interpreter shutdown collecting them
    before the master could replace it; with two workers recycled together that stalled the whole server (p99 of
    up to 400 ms under load; docs/performance.md). Frozen, its shutdown takes about 30 ms. Their pages also stay
    shared: collecting would write to every object's header and copy every page."""
    gc.freeze()
