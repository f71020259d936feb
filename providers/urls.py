"""URLs of the external sign-in API (mounted at /api/)."""

from django.urls import path

from providers import trip_views, views

app_name = "providers"

urlpatterns = [
    path("auth/providers/", views.ProviderListView.as_view(), name="providers"),
    path("auth/providers/<str:provider_id>/login/", views.ProviderLoginView.as_view(), name="login"),
    path("auth/providers/<str:provider_id>/callback/", views.ProviderCallbackView.as_view(), name="callback"),
    path("auth/providers/<str:provider_id>/link/", trip_views.ProviderLinkView.as_view(), name="link"),
    path(
        "auth/providers/<str:provider_id>/reauthenticate/",
        trip_views.ProviderReauthenticateView.as_view(),
        name="reauthenticate",
    ),
    path("auth/identities/", views.IdentityListView.as_view(), name="identities"),
    path("auth/identities/<int:identity_id>/", views.IdentityDetailView.as_view(), name="identity-detail"),
]
