"""URLs of the server-rendered pages (templates/)."""

urlpatterns: list = []
