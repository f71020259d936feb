"""URLs of the server-rendered pages (templates/)."""

from django.urls import path

from jwtsite import pages

app_name = "pages"

urlpatterns = [
    path("", pages.HomePage.as_view(), name="home"),
    path("login/", pages.LoginPage.as_view(), name="login"),
    path("register/", pages.RegisterPage.as_view(), name="register"),
    path("posts/", pages.PostsPage.as_view(), name="posts"),
    path("sessions/", pages.SessionsPage.as_view(), name="sessions"),
]
