"""WSGI entry point (gunicorn dealeradmin.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealeradmin.settings")

application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports every view now, not in a first request

# What start-up loaded (modules, views, settings) lives as long as the process: frozen, the
# cycle collector stops tracing it again on every full pass. A request's objects are mostly
# freed by reference counting, so collecting every 700 new objects (Python's default) mostly
# re-traced live ones. Both cost a tenth of a page's time (benchmarks/RESULTS.md, 2026-12-04).
# Cyclic garbage is still collected, after every 10 000 new objects.
gc.collect()
gc.freeze()
gc.set_threshold(10_000, 10, 10)
