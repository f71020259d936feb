"""URLs of the passkey and two-factor API (mounted at /api/)."""

from django.urls import path

from mfa import views
from mfa.passkeys import second_factor as passkey_second_factor
from mfa.passkeys import sign_up_views as passkey_sign_up_views
from mfa.passkeys import views as passkey_views
from mfa.totp import views as totp_views

app_name = "mfa"

urlpatterns = [
    path("auth/login/mfa/", views.LoginSecondFactorView.as_view(), name="login-mfa"),
    path(
        "auth/login/mfa/passkey/options/",
        passkey_second_factor.SecondFactorPasskeyOptionsView.as_view(),
        name="login-mfa-passkey-options",
    ),
    path("auth/login/mfa/passkey/", passkey_second_factor.SecondFactorPasskeyView.as_view(), name="login-mfa-passkey"),
    path(
        "auth/passkeys/signup/options/",
        passkey_sign_up_views.PasskeySignUpOptionsView.as_view(),
        name="passkey-signup-options",
    ),
    path("auth/passkeys/signup/", passkey_sign_up_views.PasskeySignUpView.as_view(), name="passkey-signup"),
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
