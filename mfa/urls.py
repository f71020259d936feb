"""URLs of the passkey and two-factor API (mounted at /api/)."""

from django.urls import path

from mfa import views
from mfa.passkeys import views as passkey_views
from mfa.totp import views as totp_views

app_name = "mfa"

urlpatterns = [
    path("auth/login/mfa/", views.LoginSecondFactorView.as_view(), name="login-mfa"),
    path("auth/passkeys/", passkey_views.PasskeyListView.as_view(), name="passkeys"),
    path(
        "auth/passkeys/register/options/",
        passkey_views.PasskeyRegisterOptionsView.as_view(),
        name="passkey-register-options",
    ),
    path("auth/passkeys/login/options/", passkey_views.PasskeyLoginOptionsView.as_view(), name="passkey-login-options"),
    path("auth/passkeys/login/", passkey_views.PasskeyLoginView.as_view(), name="passkey-login"),
    path(
        "auth/passkeys/reauthenticate/options/",
        passkey_views.PasskeyReauthenticateOptionsView.as_view(),
        name="passkey-reauthenticate-options",
    ),
    path("auth/passkeys/<int:passkey_id>/", passkey_views.PasskeyDetailView.as_view(), name="passkey-detail"),
    path("auth/totp/", totp_views.TotpView.as_view(), name="totp"),
    path("auth/totp/confirm/", totp_views.TotpConfirmView.as_view(), name="totp-confirm"),
    path("auth/recovery-codes/", totp_views.RecoveryCodesView.as_view(), name="recovery-codes"),
]
