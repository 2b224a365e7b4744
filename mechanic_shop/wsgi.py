"""The WSGI application (`mechanic_shop.wsgi:application`), for gunicorn and Django's runserver.

Django imports the URLconf, and with it every view, serializer and library behind them, on the first request a
process serves: about 120 ms here. gunicorn loads this module once in its master (`preload_app`) and forks the
workers from it, so that import is done here, before the fork: every worker, the ones that replace a recycled
worker included, starts with it done and shares its memory, instead of holding the requests that reach it first
(up to 400 ms at the 99th percentile under load when both workers were replaced together; docs/performance.md).
Nothing here touches the database: connections are opened by each worker, never shared across the fork.
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mechanic_shop.settings")

application = get_wsgi_application()

get_resolver().url_patterns  # noqa: B018  (imports the URLconf: the attribute is what loads it)
