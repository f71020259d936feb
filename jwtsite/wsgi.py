"""WSGI entry point: ``jwtsite.wsgi:application`` for gunicorn or any WSGI server."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jwtsite.settings")

try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    sys.exit(f"jwtsite: {exc}")
