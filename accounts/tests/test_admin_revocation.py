"""Every admin path that ends a session, clicked through the admin's own forms: the tokens die, everywhere.

The staff member signs in through the site (``StaffBrowser``), opens the page,
ticks and fills what it shows and presses its button; the form's own CSRF token
is the only one sent. For each path, the victim's access token is refused on
the next request here and by another process's view (which learns only from the
database, as another server does), the refresh token is refused at once, and the
audit log names the staff member. e2e/test_admin.py measures the reach between
real servers (within 1 s) in a browser.
"""

from datetime import timedelta
from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Session, User
from accounts.revocation import runtime
from accounts.revocation.follower import DatabaseSource, Follower
from accounts.tests.admin_forms import YES_IM_SURE, StaffBrowser, link
from accounts.tests.helpers import claims_of
from conftest import BrowserClient

pytestmark = pytest.mark.django_db

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

    def refused_by(self, elsewhere: Follower) -> bool:
        elsewhere.sync_once()
        return elsewhere.view.rejects(self.claims["sid"], self.claims["user_id"], self.claims["ver"])


def another_server() -> Follower:
    """A revocation view that learns only from the database, as another server process (or the feed) does."""
    return Follower(runtime.RevocationView(stale_after=5, following=False), DatabaseSource(), interval=0.25)


def assert_signed_out(device: Device, elsewhere: Follower) -> None:
    assert device.access_refused_here(), "the access token still works on this server"
    assert device.refused_by(elsewhere), "another server would still honour the access token"
    assert device.refresh_refused(), "the refresh token still works"


def assert_still_signed_in(device: Device, elsewhere: Follower) -> None:
    assert not device.access_refused_here()
    assert not device.refused_by(elsewhere)


def audited(event: str, user, staff, **details) -> AuditEvent:
    rows = AuditEvent.objects.filter(event=event, user_id=user.pk, admin_id=staff.pk)
    assert rows.exists(), list(AuditEvent.objects.values("event", "user_id", "admin_id", "details"))
    row = rows.first()
    assert row.details["by"] == "admin"
    for key, value in details.items():
        assert row.details[key] == value
    return row


@pytest.fixture
def staff(admin_user) -> StaffBrowser:
    browser = StaffBrowser(HTTP_USER_AGENT="Staff browser")
    assert browser.sign_in(admin_user, password="password").status_code == HTTPStatus.OK
    return browser


@pytest.fixture
def victim(user) -> Device:
    return Device(user)


@pytest.fixture
def bystander(other_user) -> Device:
    return Device(other_user, "Bystander browser")


@pytest.fixture
def elsewhere() -> Follower:
    return another_server()


def change_url(obj) -> str:
    return reverse(f"admin:accounts_{obj._meta.model_name}_change", args=[obj.pk])


class TestRevokeSelectedSessions:
    """The bulk action, under whatever the list shows: a filter, a search, a date, a user, "select all"."""

    @pytest.mark.parametrize(
        "query",
        [
            "?state=live",  # the reported bug: the filter's revoked_at IS NULL emptied the INSERTs
            "?state=live&q={username}",
            "?q={username}",
            "?q={email}",
            "?q=127.0.0",
            "?q={short_id}",
            "?user={user_id}",
            "?last_used_at__gte={today_start}&last_used_at__lt={tomorrow_start}",
            "?created_at__year={year}&created_at__month={month}&created_at__day={day}",
            "?state=live&o=-5",
        ],
    )
    def test_under_any_filter_search_or_date(self, staff, admin_user, victim, bystander, elsewhere, committed, query):
        now = timezone.localtime()
        url = SESSIONS + query.format(
            username=victim.user.username,
            email=victim.user.email,
            short_id=victim.session.short_id,
            user_id=victim.user.pk,
            today_start=quote(f"{now:%Y-%m-%d} 00:00:00{now:%z}"),
            tomorrow_start=quote(f"{now + timedelta(days=1):%Y-%m-%d} 00:00:00{now:%z}"),
            year=now.year,
            month=now.month,
            day=now.day,
        )
        with committed():
            response = staff.submit(
                url,
                form="changelist-form",
                fill={"action": "revoke_sessions"},
                tick={"_selected_action": [str(victim.session.pk)]},
                press="Go",
            )
        assert response.status_code == HTTPStatus.OK
        assert "Revoked 1 session(s)." in response.content.decode()
        assert_signed_out(victim, elsewhere)
        assert_still_signed_in(bystander, elsewhere)
        audited("session_revoked", victim.user, admin_user)

    def test_select_all_across_pages_of_a_filtered_list(self, staff, admin_user, victim, user, elsewhere, committed):
        second = Device(user, "Second device")
        with committed():
            response = staff.submit(
                f"{SESSIONS}?state=live&user={user.pk}",
                form="changelist-form",
                fill={"action": "revoke_sessions", "select_across": "1"},
                tick={"_selected_action": [str(victim.session.pk)]},
                press="Go",
            )
        assert "Revoked 2 session(s)." in response.content.decode()
        assert_signed_out(victim, elsewhere)
        assert_signed_out(second, elsewhere)

    def test_a_session_already_ended_is_left_as_it_was(self, staff, victim, committed):
        revoked_at = timezone.now() - timedelta(minutes=5)
        Session.objects.filter(pk=victim.session.pk).update(revoked_at=revoked_at)
        with committed():
            response = staff.submit(
                SESSIONS,
                form="changelist-form",
                fill={"action": "revoke_sessions"},
                tick={"_selected_action": [str(victim.session.pk)]},
                press="Go",
            )
        assert "Revoked 0 session(s)." in response.content.decode()
        assert Session.objects.get(pk=victim.session.pk).revoked_at == revoked_at


class TestDeleting:
    def test_delete_selected_sessions_revokes_them_first(self, staff, admin_user, victim, elsewhere, committed):
        are_you_sure = staff.submit(
            f"{SESSIONS}?state=live",
            form="changelist-form",
            fill={"action": "delete_selected"},
            tick={"_selected_action": [str(victim.session.pk)]},
            press="Go",
        )
        assert "Are you sure" in are_you_sure.content.decode()
        with committed():
            response = staff.send(are_you_sure, press=YES_IM_SURE)
        assert response.status_code == HTTPStatus.OK
        assert not Session.objects.filter(pk=victim.session.pk).exists()
        assert_signed_out(victim, elsewhere)
        audited("session_revoked", victim.user, admin_user, reason="deleted")

    def test_the_delete_button_on_a_session_revokes_it_first(self, staff, admin_user, victim, elsewhere, committed):
        delete_page = reverse("admin:accounts_session_delete", args=[victim.session.pk])
        assert delete_page in staff.get(change_url(victim.session)).content.decode()
        with committed():
            response = staff.submit(delete_page, press=YES_IM_SURE)
        assert response.status_code == HTTPStatus.OK
        assert not Session.objects.filter(pk=victim.session.pk).exists()
        assert_signed_out(victim, elsewhere)
        audited("session_revoked", victim.user, admin_user, reason="deleted")

    def test_the_delete_button_on_a_user_signs_them_out_everywhere(
        self, staff, admin_user, victim, bystander, elsewhere, committed
    ):
        with committed():
            response = staff.submit(reverse("admin:accounts_user_delete", args=[victim.user.pk]), press=YES_IM_SURE)
        assert response.status_code == HTTPStatus.OK
        assert not User.objects.filter(pk=victim.user.pk).exists()
        assert_signed_out(victim, elsewhere)
        assert_still_signed_in(bystander, elsewhere)
        audited("account_deleted", victim.user, admin_user)

    def test_delete_selected_users_signs_them_out_everywhere(
        self, staff, admin_user, victim, bystander, elsewhere, committed
    ):
        ids = [str(victim.user.pk), str(bystander.user.pk)]
        are_you_sure = staff.submit(
            USERS,
            form="changelist-form",
            fill={"action": "delete_selected"},
            tick={"_selected_action": ids},
            press="Go",
        )
        with committed():
            staff.send(are_you_sure, press=YES_IM_SURE)
        assert not User.objects.filter(pk__in=ids).exists()
        assert_signed_out(victim, elsewhere)
        assert_signed_out(bystander, elsewhere)
        audited("account_deleted", bystander.user, admin_user)


class TestRevokeButtons:
    def test_revoke_on_a_sessions_page_asks_then_revokes_that_one(
        self, staff, admin_user, victim, user, elsewhere, committed
    ):
        other_device = Device(user, "Other device")
        page = staff.get(change_url(victim.session))
        are_you_sure = staff.get(link(page, "Revoke"))
        assert f"Revoke session {victim.session.short_id} of {user.username}" in are_you_sure.content.decode()
        assert_still_signed_in(victim, elsewhere)  # asking changes nothing
        with committed():
            response = staff.send(are_you_sure, press="Revoke")
        assert f"Session {victim.session.short_id} revoked." in response.content.decode()
        assert_signed_out(victim, elsewhere)
        assert_still_signed_in(other_device, elsewhere)
        audited("session_revoked", user, admin_user)
        assert 'class="tool-revoke"' not in response.content.decode()  # it has ended: no button any more

    def test_revoke_on_the_users_page_comes_back_to_it(self, staff, admin_user, victim, user, elsewhere, committed):
        page = staff.get(change_url(user))
        are_you_sure = staff.get(link(page, "Revoke…"))
        with committed():
            response = staff.send(are_you_sure, press="Revoke")
        assert response.redirect_chain[-1][0] == change_url(user)
        assert_signed_out(victim, elsewhere)
        audited("session_revoked", user, admin_user)

    def test_log_out_everywhere_on_the_users_page(
        self, staff, admin_user, victim, user, bystander, elsewhere, committed
    ):
        second = Device(user, "Second device")
        are_you_sure = staff.get(link(staff.get(change_url(user)), "Log out everywhere"))
        assert f"Log {user.username} out everywhere?" in are_you_sure.content.decode()
        with committed():
            response = staff.send(are_you_sure, press="Log out everywhere")
        assert f"Logged out {user.username} everywhere; 2 session(s) revoked." in response.content.decode()
        assert_signed_out(victim, elsewhere)
        assert_signed_out(second, elsewhere)
        assert_still_signed_in(bystander, elsewhere)
        audited("logged_out_everywhere", user, admin_user)

    def test_log_out_everywhere_on_the_user_list(
        self, staff, admin_user, victim, user, bystander, elsewhere, committed
    ):
        with committed():
            response = staff.submit(
                f"{USERS}?q={user.username}",
                form="changelist-form",
                fill={"action": "revoke_all_sessions"},
                tick={"_selected_action": [str(user.pk)]},
                press="Go",
            )
        assert "Logged out 1 user(s) everywhere; 1 session(s) revoked." in response.content.decode()
        assert_signed_out(victim, elsewhere)
        assert_still_signed_in(bystander, elsewhere)
        audited("logged_out_everywhere", user, admin_user)


class TestChangesThatSignAUserOut:
    def test_unticking_active_on_the_users_page(self, staff, admin_user, victim, user, elsewhere, committed):
        Device(user, "Second device")
        with committed():
            response = staff.submit(change_url(user), form="user_form", untick=["is_active"], press="Save")
        assert "was changed successfully" in response.content.decode()
        assert not User.objects.get(pk=user.pk).is_active
        assert_signed_out(victim, elsewhere)
        User.objects.filter(pk=user.pk).update(is_active=True)
        assert victim.access_refused_here(), "reactivating the account must not bring the sessions back"
        audited("logged_out_everywhere", user, admin_user, reason="deactivated")

    def test_setting_a_password(self, staff, admin_user, victim, user, bystander, elsewhere, committed, mailoutbox):
        password_page = staff.get(link(staff.get(change_url(user)), "Reset password"))
        with committed():
            response = staff.send(
                password_page,
                fill={"password1": "a-new-passphrase-set-by-staff", "password2": "a-new-passphrase-set-by-staff"},
                press="Change password",
            )
        assert "Password changed successfully." in response.content.decode()
        assert User.objects.get(pk=user.pk).check_password("a-new-passphrase-set-by-staff")
        assert_signed_out(victim, elsewhere)
        assert_still_signed_in(bystander, elsewhere)
        audited("password_changed", user, admin_user, usable=True)
        assert [mail.to for mail in mailoutbox] == [[user.email]]  # the user hears of it
        assert "sessionid" not in staff.cookies  # no Django session, even where the admin cycles its key

    def test_making_the_password_unusable(self, staff, admin_user, victim, user, elsewhere, committed):
        password_page = staff.get(link(staff.get(change_url(user)), "Reset password"))
        with committed():
            response = staff.send(
                password_page, fill={"usable_password": "false"}, press="Disable password-based authentication"
            )
        assert "Password-based authentication was disabled." in response.content.decode()
        assert not User.objects.get(pk=user.pk).has_usable_password()
        assert_signed_out(victim, elsewhere)
        audited("password_changed", user, admin_user, usable=False)

    def test_a_refused_password_changes_nothing(self, staff, victim, user, elsewhere, committed):
        password_page = staff.get(link(staff.get(change_url(user)), "Reset password"))
        with committed():
            response = staff.send(password_page, fill={"password1": "123", "password2": "123"}, press="Change password")
        assert "too short" in response.content.decode()
        assert_still_signed_in(victim, elsewhere)
        assert not victim.refresh_refused()
