"""URLs of the server-rendered pages (templates/pages/, scripts in static/js/pages/)."""

from django.urls import path

from jwtsite.pages import PageView

app_name = "pages"


def page(template: str, title: str):
    return PageView.as_view(template_name=f"pages/{template}.html", page_title=title)


urlpatterns = [
    # Who am I, decided by /api/me/ in the browser (no redirect).
    path("", page("home", "Home"), name="home"),
    # Honours ?next= for same-site paths only (checked in login.js).
    path("login/", page("login", "Log in"), name="login"),
    path("register/", page("register", "Register"), name="register"),
    # Signed out, its script goes to /login/?next=/posts/.
    path("posts/", page("posts", "Posts"), name="posts"),
    # The user's devices and revoking them.
    path("sessions/", page("sessions", "Devices"), name="sessions"),
    # Email and its verification, password, sign-in methods, deleting the account.
    path("account/", page("account", "Account"), name="account"),
    path("password-reset/", page("password_reset", "Forgot your password?"), name="password-reset"),
    # The link mailed by POST /api/auth/password/reset/ (?token=).
    path("password-reset/confirm/", page("password_reset_confirm", "New password"), name="password-reset-confirm"),
    # The link mailed to verify an address (?token=); its script posts the token on load.
    path("verify-email/", page("verify_email", "Verify your email"), name="verify-email"),
]
