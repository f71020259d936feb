"""URLs of DBSC (mounted at /api/): under /api/auth/, where the refresh cookie is sent."""

from django.urls import path

from dbsc import views

app_name = "dbsc"

urlpatterns = [
    path("auth/dbsc/register/", views.RegisterView.as_view(), name="register"),
    path("auth/dbsc/refresh/", views.RefreshView.as_view(), name="refresh"),
]
