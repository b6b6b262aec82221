"""WSGI entry point (gunicorn dealeradmin.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealeradmin.settings")

application = get_wsgi_application()
