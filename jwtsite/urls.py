"""Root URLconf: API under /api/, the pages, the admin and /healthz."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views.browser import JwksView
from jwtsite import views

urlpatterns = [
    # The API first: URLs are tried in order, and every authenticated request is one of these.
    path("api/", include("accounts.urls")),
    path("api/", include("posts.urls")),
    path("api/", include("emails.urls")),
    path("api/", include("mfa.urls")),
    path("api/", include("providers.urls")),
    path("api/", include("dbsc.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path(".well-known/jwks.json", JwksView.as_view(), name="jwks"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    # Unknown API paths answer JSON, in debug mode too.
    re_path(r"^api/(?P<unmatched>.*)$", views.api_not_found),
    path("", include("jwtsite.page_urls")),
]

handler400 = "jwtsite.views.bad_request"
handler404 = "jwtsite.views.page_not_found"
handler500 = "jwtsite.views.server_error"
