"""The audit trail: one JSON line per security event, never a credential."""

import json
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.helpers import claims_of
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (audit test)"


@pytest.fixture
def device(user) -> BrowserClient:
    client = BrowserClient(HTTP_USER_AGENT=UA, REMOTE_ADDR="198.51.100.7")
    client.login_as(user)
    return client


def only(lines: list[dict], event: str) -> dict:
    matching = [line for line in lines if line["event"] == event]
    assert len(matching) == 1, lines
    return matching[0]


def test_login_success_carries_who_which_session_and_where(audit_lines, device, user):
    line = only(audit_lines(), "login_succeeded")
    sid = claims_of(device.cookies["__Host-access_token"].value)["sid"]
    assert line == {
        "event": "login_succeeded",
        "user_id": user.pk,
        "session_id": sid,
        "ip": "198.51.100.7",
        "user_agent": UA,
        "remember": True,
    }


def test_login_failure_and_throttling(audit_lines, browser, user, settings):
    settings.LOGIN_RATE_USERNAME = "1/min"
    browser.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"}, format="json")
    browser.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"}, format="json")
    lines = audit_lines()
    assert only(lines, "login_failed")["username"] == user.username
    throttled = only(lines, "login_throttled")
    assert (throttled["username"], throttled["ip"]) == (user.username, "127.0.0.1")


def test_registration(audit_lines, browser):
    browser.post(reverse("accounts:register"), {"username": "newbie", "password": "a-long-unusual-passphrase"})
    assert only(audit_lines(), "registered")["session_id"] == str(Session.objects.get().pk)


def test_refresh_and_reuse_detected(audit_lines, device, user):
    old = device.cookies["__Secure-refresh_token"].value
    device.post(reverse("accounts:refresh"))
    Session.objects.update(rotated_at=timezone.now() - timedelta(minutes=1))
    device.cookies["__Secure-refresh_token"] = old
    assert device.post(reverse("accounts:refresh")).status_code == HTTPStatus.UNAUTHORIZED
    lines = audit_lines()
    session_id = str(Session.objects.get().pk)
    assert only(lines, "refreshed")["session_id"] == session_id
    reuse = only(lines, "refresh_reuse_detected")
    assert (reuse["user_id"], reuse["session_id"], reuse["reason"]) == (user.pk, session_id, "token_reused")


def test_logout_logout_all_password_change_and_revocation(audit_lines, device, user):
    other = BrowserClient()
    other.login_as(user)
    other_sid = claims_of(other.cookies["__Host-access_token"].value)["sid"]
    device.delete(reverse("accounts:session-detail", args=[other_sid]))
    device.post(
        reverse("accounts:password"), {"old_password": DEFAULT_PASSWORD, "new_password": "another-long-passphrase"}
    )
    device.post(reverse("accounts:logout-all"))
    third = BrowserClient()
    third.login_as(user, password="another-long-passphrase")
    third.post(reverse("accounts:logout"))
    lines = audit_lines()
    revoked = only(lines, "session_revoked")
    assert (revoked["session_id"], revoked["by"]) == (other_sid, "user")
    assert only(lines, "password_changed")["user_id"] == user.pk
    assert only(lines, "logged_out_everywhere")["user_id"] == user.pk
    assert only(lines, "logged_out")["user_id"] == user.pk


def test_no_line_ever_holds_a_token_or_a_password(audit_lines, device, user):
    device.post(reverse("accounts:refresh"))
    device.post(reverse("accounts:password"), {"old_password": DEFAULT_PASSWORD, "new_password": "x-long-passphrase-2"})
    device.post(reverse("accounts:login"), {"username": user.username, "password": "a-secret-typo"}, format="json")
    text = "\n".join(json.dumps(line) for line in audit_lines())
    secrets = [DEFAULT_PASSWORD, "x-long-passphrase-2", "a-secret-typo", *(c.value for c in device.cookies.values())]
    for secret in secrets:
        if secret and len(secret) > 20:  # the csrftoken cookie is not a credential on its own
            assert secret not in text
    assert "a-secret-typo" not in text


def test_admin_revocations_are_audited_as_the_admins(audit_lines, admin_client, admin_user, device, user):
    session = Session.objects.get(user=user)
    admin_client.post(
        reverse("admin:accounts_session_changelist"),
        {"action": "revoke_sessions", "_selected_action": [str(session.pk)]},
    )
    admin_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "revoke_all_sessions", "_selected_action": [str(user.pk)]}
    )
    lines = audit_lines()
    revoked = only(lines, "session_revoked")
    assert (revoked["session_id"], revoked["user_id"], revoked["by"], revoked["admin_id"]) == (
        str(session.pk),
        user.pk,
        "admin",
        admin_user.pk,
    )
    everywhere = only(lines, "logged_out_everywhere")
    assert (everywhere["user_id"], everywhere["by"], everywhere["admin_id"]) == (user.pk, "admin", admin_user.pk)
