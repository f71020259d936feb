"""URLs of the auth API (mounted at /api/)."""

from django.urls import path

from accounts import account_views, token_views, views
from accounts.revocation.views import RevocationFeedView

app_name = "accounts"

urlpatterns = [
    path("auth/csrf/", views.CsrfView.as_view(), name="csrf"),
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/refresh/", views.RefreshView.as_view(), name="refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="logout-all"),
    path("auth/password/", views.PasswordChangeView.as_view(), name="password"),
    path("auth/sessions/", views.SessionListView.as_view(), name="sessions"),
    path("auth/sessions/<uuid:session_id>/", views.SessionDetailView.as_view(), name="session-detail"),
    path("auth/reauthenticate/", account_views.ReauthenticateView.as_view(), name="reauthenticate"),
    path("auth/account/", account_views.AccountView.as_view(), name="account"),
    path("auth/revocations/", RevocationFeedView.as_view(), name="revocations"),
    path("me/", views.MeView.as_view(), name="me"),
    path("token/", token_views.TokenObtainView.as_view(), name="token"),
    path("token/refresh/", token_views.TokenRefreshView.as_view(), name="token-refresh"),
    path("token/blacklist/", token_views.TokenBlacklistView.as_view(), name="token-blacklist"),
]
