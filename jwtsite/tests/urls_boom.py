"""A URLconf with a view that fails, to see how API errors are answered."""

from django.urls import path

from jwtsite.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("api/boom/", boom), *site_urlpatterns]
