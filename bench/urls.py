"""Bench URLconf: the site's URLs plus the ceiling view and stock simplejwt's refresh and login views."""

from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView as StockTokenObtainPairView
from rest_framework_simplejwt.views import TokenRefreshView as StockTokenRefreshView

from bench.views import CeilingView
from jwtsite.urls import handler404, handler500  # noqa: F401  (the site's error views, re-exported)
from jwtsite.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    # Under /api/, so that it meets exactly the middleware /api/me/ meets.
    path("api/bench/ceiling/", CeilingView.as_view(), name="bench-ceiling"),
    # Stock rotation (ROTATE_REFRESH_TOKENS and BLACKLIST_AFTER_ROTATION are on in settings).
    path("bench/stock/token/refresh/", StockTokenRefreshView.as_view(), name="bench-stock-refresh"),
    path("bench/stock/token/", StockTokenObtainPairView.as_view(), name="bench-stock-login"),
    *site_urlpatterns,
]
