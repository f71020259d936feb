"""URLs of the emailed-link API (mounted at /api/)."""

from django.urls import path

from emails import sign_in_views, views

app_name = "emails"

urlpatterns = [
    path("auth/password/reset/", views.PasswordResetRequestView.as_view(), name="password-reset"),
    path("auth/password/reset/check/", views.PasswordResetCheckView.as_view(), name="password-reset-check"),
    path("auth/password/reset/confirm/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("auth/email/verify/", views.EmailVerifyView.as_view(), name="email-verify"),
    path("auth/email/verify/resend/", views.EmailVerifyResendView.as_view(), name="email-verify-resend"),
    path("auth/email/", views.EmailChangeView.as_view(), name="email-change"),
    path("auth/login/code/", sign_in_views.SignInCodeRequestView.as_view(), name="sign-in-code"),
    path("auth/login/code/confirm/", sign_in_views.SignInCodeConfirmView.as_view(), name="sign-in-code-confirm"),
]
