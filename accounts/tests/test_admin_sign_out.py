"""Deleting users in the admin, and the changes to a user there that sign them out: the tokens die, everywhere.

The staff member clicks through the admin's own forms as in test_admin_revocation.py
(accounts/tests/admin_forms.py, accounts/tests/admin_devices.py).
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import Session, User
from accounts.tests.admin_devices import (
    SESSIONS,
    USERS,
    Device,
    assert_signed_out,
    assert_still_signed_in,
    audited,
    change_url,
)
from accounts.tests.admin_forms import YES_IM_SURE, link

pytestmark = pytest.mark.django_db


class TestDeleting:
    def test_delete_selected_sessions_revokes_them_first(self, staff, admin_user, victim, other_server, committed):
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
        assert_signed_out(victim, other_server)
        audited("session_revoked", victim.user, admin_user, reason="deleted")

    def test_the_delete_button_on_a_session_revokes_it_first(self, staff, admin_user, victim, other_server, committed):
        delete_page = reverse("admin:accounts_session_delete", args=[victim.session.pk])
        assert delete_page in staff.get(change_url(victim.session)).content.decode()
        with committed():
            response = staff.submit(delete_page, press=YES_IM_SURE)
        assert response.status_code == HTTPStatus.OK
        assert not Session.objects.filter(pk=victim.session.pk).exists()
        assert_signed_out(victim, other_server)
        audited("session_revoked", victim.user, admin_user, reason="deleted")

    def test_the_delete_button_on_a_user_signs_them_out_everywhere(
        self, staff, admin_user, victim, bystander, other_server, committed
    ):
        with committed():
            response = staff.submit(reverse("admin:accounts_user_delete", args=[victim.user.pk]), press=YES_IM_SURE)
        assert response.status_code == HTTPStatus.OK
        assert not User.objects.filter(pk=victim.user.pk).exists()
        assert_signed_out(victim, other_server)
        assert_still_signed_in(bystander, other_server)
        audited("account_deleted", victim.user, admin_user)

    def test_delete_selected_users_signs_them_out_everywhere(
        self, staff, admin_user, victim, bystander, other_server, committed
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
        assert_signed_out(victim, other_server)
        assert_signed_out(bystander, other_server)
        audited("account_deleted", bystander.user, admin_user)


class TestChangesThatSignAUserOut:
    def test_unticking_active_on_the_users_page(self, staff, admin_user, victim, user, other_server, committed):
        Device(user, "Second device")
        with committed():
            response = staff.submit(change_url(user), form="user_form", untick=["is_active"], press="Save")
        assert "was changed successfully" in response.content.decode()
        assert not User.objects.get(pk=user.pk).is_active
        assert_signed_out(victim, other_server)
        User.objects.filter(pk=user.pk).update(is_active=True)
        assert victim.access_refused_here(), "reactivating the account must not bring the sessions back"
        audited("logged_out_everywhere", user, admin_user, reason="deactivated")

    def test_setting_a_password(self, staff, admin_user, victim, user, bystander, other_server, committed, mailoutbox):
        password_page = staff.get(link(staff.get(change_url(user)), "Reset password"))
        with committed():
            response = staff.send(
                password_page,
                fill={"password1": "a-new-passphrase-set-by-staff", "password2": "a-new-passphrase-set-by-staff"},
                press="Change password",
            )
        assert "Password changed successfully." in response.content.decode()
        assert User.objects.get(pk=user.pk).check_password("a-new-passphrase-set-by-staff")
        assert_signed_out(victim, other_server)
        assert_still_signed_in(bystander, other_server)
        audited("password_changed", user, admin_user, usable=True)
        assert [mail.to for mail in mailoutbox] == [[user.email]]  # the user hears of it
        assert "sessionid" not in staff.cookies  # no Django session, even where the admin cycles its key

    def test_making_the_password_unusable(self, staff, admin_user, victim, user, other_server, committed):
        password_page = staff.get(link(staff.get(change_url(user)), "Reset password"))
        with committed():
            response = staff.send(
                password_page, fill={"usable_password": "false"}, press="Disable password-based authentication"
            )
        assert "Password-based authentication was disabled." in response.content.decode()
        assert not User.objects.get(pk=user.pk).has_usable_password()
        assert_signed_out(victim, other_server)
        audited("password_changed", user, admin_user, usable=False)

    def test_a_refused_password_changes_nothing(self, staff, victim, user, other_server, committed):
        password_page = staff.get(link(staff.get(change_url(user)), "Reset password"))
        with committed():
            response = staff.send(password_page, fill={"password1": "123", "password2": "123"}, press="Change password")
        assert "too short" in response.content.decode()
        assert_still_signed_in(victim, other_server)
        assert not victim.refresh_refused()
