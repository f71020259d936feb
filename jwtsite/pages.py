"""The server-rendered pages: thin shells whose scripts talk to the API.

Nothing here reads a token or decides who is signed in: every page asks
``/api/me/`` (or another API endpoint) from the browser, through
``static/js/api.js``, so the pages never disagree with the API.
"""

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
        return {**super().get_context_data(**kwargs), "page_title": self.page_title}


class HomePage(PageView):
    """``/``: who am I, decided by ``/api/me/`` in the browser (no redirect)."""

    template_name = "pages/home.html"
    page_title = "Home"


class LoginPage(PageView):
    """``/login/``: honours ``?next=`` for same-site paths only (checked in ``login.js``)."""

    template_name = "pages/login.html"
    page_title = "Log in"


class RegisterPage(PageView):
    """``/register/``: creates an account and signs it in."""

    template_name = "pages/register.html"
    page_title = "Register"


class PostsPage(PageView):
    """``/posts/``: list, write, edit and delete posts; signed out, the script goes to the login page."""

    template_name = "pages/posts.html"
    page_title = "Posts"


class SessionsPage(PageView):
    """``/sessions/``: the user's devices, revoking them, and the password change form."""

    template_name = "pages/sessions.html"
    page_title = "Devices"
