"""The peers' endpoints: the same user body from each, so only authentication differs."""

from dj_rest_auth.views import UserDetailsView
from django.urls import path

from peersite.views import BareView, SimpleJWTMeView

urlpatterns = [
    path("peer/bare/", BareView.as_view()),
    # dj-rest-auth's own user endpoint, authenticated by its access cookie.
    path("dj-rest-auth/user/", UserDetailsView.as_view()),
    path("simplejwt/me/", SimpleJWTMeView.as_view()),
]
