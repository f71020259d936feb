"""WSGI entry point: ``jwtsite.wsgi:application``.

It refuses to serve with a bad setting, as runserver and migrate do: the
settings checks (tag ``configuration``, jwtsite/checks.py) run once per
process before the first request, and a failing one exits with a line per bad
value. Without a key (``DJANGO_SECRET_KEY``) the settings module itself refuses.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jwtsite.settings")

try:
    import django

    django.setup(set_prefix=False)
    # Before the handler loads the middleware, so a refused start prints only its reasons.
    from jwtsite.checks import configuration_refusal

    if refusal := configuration_refusal():
        sys.exit(refusal)
    from django.core.handlers.wsgi import WSGIHandler

    application = WSGIHandler()  # what django.core.wsgi.get_wsgi_application() does after setup
except ImproperlyConfigured as exc:
    sys.exit(f"jwtsite: {exc}")
