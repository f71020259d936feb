"""Every admin path that ends a session, clicked through the admin's own forms: the tokens die, everywhere.

The staff member signs in through the site (``StaffBrowser``), opens the page,
ticks and fills what it shows and presses its button; the form's own CSRF token
is the only one sent. For each path, the victim's access token is refused on
the next request here and by another process's view (which learns only from the
database, as another server does), the refresh token is refused at once, and the
audit log names the staff member. e2e/test_admin.py measures the reach between
real servers (within 1 s) in a browser.

Deleting users and changing what signs one out: test_admin_sign_out.py.
"""

from datetime import timedelta
from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.utils import timezone

from accounts.models import Session
from accounts.tests.admin_devices import (
    SESSIONS,
    USERS,
    Device,
    assert_signed_out,
    assert_still_signed_in,
    audited,
    change_url,
)
from accounts.tests.admin_forms import link

pytestmark = pytest.mark.django_db


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
    def test_under_any_filter_search_or_date(
        self, staff, admin_user, victim, bystander, other_server, committed, query
    ):
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
        assert_signed_out(victim, other_server)
        assert_still_signed_in(bystander, other_server)
        audited("session_revoked", victim.user, admin_user)

    def test_select_all_across_pages_of_a_filtered_list(self, staff, admin_user, victim, user, other_server, committed):
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
        assert_signed_out(victim, other_server)
        assert_signed_out(second, other_server)

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


class TestRevokeButtons:
    def test_revoke_on_a_sessions_page_asks_then_revokes_that_one(
        self, staff, admin_user, victim, user, other_server, committed
    ):
        other_device = Device(user, "Other device")
        page = staff.get(change_url(victim.session))
        are_you_sure = staff.get(link(page, "Revoke"))
        assert f"Revoke session {victim.session.short_id} of {user.username}" in are_you_sure.content.decode()
        assert_still_signed_in(victim, other_server)  # asking changes nothing
        with committed():
            response = staff.send(are_you_sure, press="Revoke")
        assert f"Session {victim.session.short_id} revoked." in response.content.decode()
        assert_signed_out(victim, other_server)
        assert_still_signed_in(other_device, other_server)
        audited("session_revoked", user, admin_user)
        assert 'class="tool-revoke"' not in response.content.decode()  # it has ended: no button any more

    def test_revoke_on_the_users_page_comes_back_to_it(self, staff, admin_user, victim, user, other_server, committed):
        page = staff.get(change_url(user))
        are_you_sure = staff.get(link(page, "Revoke…"))
        with committed():
            response = staff.send(are_you_sure, press="Revoke")
        assert response.redirect_chain[-1][0] == change_url(user)
        assert_signed_out(victim, other_server)
        audited("session_revoked", user, admin_user)

    def test_log_out_everywhere_on_the_users_page(
        self, staff, admin_user, victim, user, bystander, other_server, committed
    ):
        second = Device(user, "Second device")
        are_you_sure = staff.get(link(staff.get(change_url(user)), "Log out everywhere"))
        assert f"Log {user.username} out everywhere?" in are_you_sure.content.decode()
        with committed():
            response = staff.send(are_you_sure, press="Log out everywhere")
        assert f"Logged out {user.username} everywhere; 2 session(s) revoked." in response.content.decode()
        assert_signed_out(victim, other_server)
        assert_signed_out(second, other_server)
        assert_still_signed_in(bystander, other_server)
        audited("logged_out_everywhere", user, admin_user)

    def test_log_out_everywhere_on_the_user_list(
        self, staff, admin_user, victim, user, bystander, other_server, committed
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
        assert_signed_out(victim, other_server)
        assert_still_signed_in(bystander, other_server)
        audited("logged_out_everywhere", user, admin_user)
