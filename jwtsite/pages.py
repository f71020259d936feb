"""The server-rendered pages: thin shells whose scripts talk to the API.

Nothing here reads a token or decides who is signed in: every page asks
``/api/me/`` (or another API endpoint) from the browser, through
``static/js/api.js``, so the pages never disagree with the API. What each page
does is in its template and its script (``static/js/pages/``).
"""

from django.conf import settings
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView


@method_decorator(ensure_csrf_cookie, name="dispatch")
class PageView(TemplateView):
    """A page whose script will POST: the ``csrftoken`` cookie is set with the page itself.

    ``api.js`` still fetches ``/api/auth/csrf/`` when the cookie is missing
    (cleared cookies, a page served from cache), but normally it is there.
    """

    page_title = ""

    def get_context_data(self, **kwargs) -> dict:
        return {
            **super().get_context_data(**kwargs),
            "page_title": self.page_title,
            # The default EMAIL_URL prints mail where the server runs: pages that
            # promise a mail say where a newcomer finds it.
            "mail_printed_to_console": settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend",
        }
