"""Devices signed in, their access tokens sent as Bearer, and another process's view: for the revocation reach tests."""

from django.urls import reverse

from accounts.client import ClientInfo
from accounts.revocation import runtime
from accounts.revocation.follower import DatabaseSource, Follower
from conftest import BrowserClient

ME_URL = reverse("accounts:me")


SESSIONS_URL = reverse("accounts:sessions")


REVOKED = {"detail": "Token has been revoked.", "code": "token_revoked"}


CLIENT = ClientInfo(ip_address="192.0.2.9", user_agent="test")


def bearer(access: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def signed_in(user, user_agent: str = "device") -> BrowserClient:
    client = BrowserClient()
    client.login_as(user, HTTP_USER_AGENT=user_agent)
    return client


def access_of(client: BrowserClient) -> str:
    return client.cookies["__Host-access_token"].value


def me(access: str):
    return BrowserClient().get(ME_URL, **bearer(access))


def another_process() -> Follower:
    """A view that learns revocations only from the database, as a second server process does."""
    view = runtime.RevocationView(stale_after=5, following=False)
    return Follower(view, DatabaseSource(), interval=0.25)
