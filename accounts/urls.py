"""URLs of the auth API (mounted at /api/)."""

from django.urls import path

from accounts.revocation.views import RevocationFeedView
from accounts.views import account, bearer, browser, sessions

app_name = "accounts"

urlpatterns = [
    # First: every authenticated page asks for it, and URLs are tried in order.
    path("me/", browser.MeView.as_view(), name="me"),
    path("auth/csrf/", browser.CsrfView.as_view(), name="csrf"),
    path("auth/register/", browser.RegisterView.as_view(), name="register"),
    path("auth/login/", browser.LoginView.as_view(), name="login"),
    path("auth/refresh/", browser.RefreshView.as_view(), name="refresh"),
    path("auth/logout/", browser.LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", browser.LogoutAllView.as_view(), name="logout-all"),
    path("auth/password/", browser.PasswordChangeView.as_view(), name="password"),
    path("auth/sessions/", sessions.SessionListView.as_view(), name="sessions"),
    path("auth/sessions/<uuid:session_id>/", sessions.SessionDetailView.as_view(), name="session-detail"),
    path("auth/reauthenticate/", account.ReauthenticateView.as_view(), name="reauthenticate"),
    path("auth/account/", account.AccountView.as_view(), name="account"),
    path("auth/revocations/", RevocationFeedView.as_view(), name="revocations"),
    path("token/", bearer.TokenObtainView.as_view(), name="token"),
    path("token/refresh/", bearer.TokenRefreshView.as_view(), name="token-refresh"),
    path("token/blacklist/", bearer.TokenBlacklistView.as_view(), name="token-blacklist"),
]
