"""Signed-in devices and another server's view, for the admin revocation tests: what each still gets."""

from http import HTTPStatus

from django.urls import reverse

from accounts.models import AuditEvent, Session
from accounts.revocation import runtime
from accounts.revocation.follower import DatabaseSource, Follower
from accounts.tests.helpers import claims_of
from conftest import BrowserClient

SESSIONS = reverse("admin:accounts_session_changelist")


USERS = reverse("admin:accounts_user_changelist")


ME, REFRESH = reverse("accounts:me"), reverse("accounts:refresh")


class Device:
    """A signed-in browser of ``user``: its tokens, and what the servers say to them."""

    def __init__(self, user, user_agent: str = "Victim browser") -> None:
        self.user = user
        self.client = BrowserClient()
        self.client.login_as(user, HTTP_USER_AGENT=user_agent)
        self.access = self.client.cookies["__Host-access_token"].value
        self.claims = claims_of(self.access)
        self.session = Session.objects.get(pk=self.claims["sid"])

    def access_refused_here(self) -> bool:
        response = BrowserClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {self.access}")
        return response.status_code == HTTPStatus.UNAUTHORIZED

    def refresh_refused(self) -> bool:
        return self.client.post(REFRESH).status_code == HTTPStatus.UNAUTHORIZED

    def refused_by(self, other_server: Follower) -> bool:
        other_server.sync_once()
        return other_server.view.rejects(self.claims["sid"], self.claims["user_id"], self.claims["ver"])


def another_server() -> Follower:
    """A revocation view that learns only from the database, as another server process (or the feed) does."""
    return Follower(runtime.RevocationView(stale_after=5, following=False), DatabaseSource(), interval=0.25)


def assert_signed_out(device: Device, other_server: Follower) -> None:
    assert device.access_refused_here(), "the access token still works on this server"
    assert device.refused_by(other_server), "another server would still honour the access token"
    assert device.refresh_refused(), "the refresh token still works"


def assert_still_signed_in(device: Device, other_server: Follower) -> None:
    assert not device.access_refused_here()
    assert not device.refused_by(other_server)


def audited(event: str, user, staff, **details) -> AuditEvent:
    rows = AuditEvent.objects.filter(event=event, user_id=user.pk, admin_id=staff.pk)
    assert rows.exists(), list(AuditEvent.objects.values("event", "user_id", "admin_id", "details"))
    row = rows.first()
    assert row.details["by"] == "admin"
    for key, value in details.items():
        assert row.details[key] == value
    return row


def change_url(obj) -> str:
    return reverse(f"admin:accounts_{obj._meta.model_name}_change", args=[obj.pk])
