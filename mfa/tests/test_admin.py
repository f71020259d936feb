"""The admin: a user's passkeys on their page, "Remove two-factor", and never a secret on any page."""

import base64
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from accounts.tests.admin_devices import (
    Device,
    another_server,
    assert_signed_out,
    assert_still_signed_in,
    audited,
)
from accounts.tests.admin_forms import StaffBrowser, link
from mfa.models import Passkey, RecoveryCode, TotpDevice
from mfa.tests.authenticator import b64url
from mfa.tests.conftest import turn_on_two_factor

pytestmark = pytest.mark.django_db

USERS_ADMIN = reverse("admin:accounts_user_changelist")


def change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


class FormFields(HTMLParser):
    """The values a browser would submit for the page's main form (inputs, checked boxes, selected options)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "button", "file"):
            if attributes.get("type") in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.data.setdefault(name, []).append(attributes.get("value") or "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self.data.setdefault(self._select, []).append(attributes.get("value") or "")

    def handle_endtag(self, tag) -> None:
        if tag == "select":
            self._select = None


def form_fields(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    return parser.data


@pytest.fixture
def factors(auth_client, passkey, user, clock):
    """``user`` with a passkey and two-factor on."""
    return turn_on_two_factor(user, clock)


class TestUserPage:
    def test_lists_passkeys_and_two_factor_without_any_secret(self, admin_client, user, factors, authenticator):
        response = admin_client.get(change_url(user))
        assert response.status_code == HTTPStatus.OK
        page = response.content.decode()
        assert "Laptop" in page
        assert "Passkeys and two-factor" in page
        stored = Passkey.objects.get()
        secrets = [factors.secret, TotpDevice.objects.get().secret]
        secrets += factors.recovery_codes + [code.replace("-", "") for code in factors.recovery_codes]
        secrets += list(RecoveryCode.objects.values_list("digest", flat=True))
        for material in (stored.public_key, stored.credential_id, stored.user_handle):
            raw = bytes(material)
            secrets += [b64url(raw), base64.b64encode(raw).decode(), raw.hex()]
        assert [secret for secret in secrets if secret in page] == []

    def test_the_changelist_shows_who_has_two_factor(self, admin_client, factors):
        response = admin_client.get(USERS_ADMIN)
        assert "totp_enabled" in response.context["cl"].list_display
        assert '<option value="remove_two_factor">Remove two-factor</option>' in response.content.decode()

    @pytest.mark.parametrize("model", ["passkey", "totpdevice", "recoverycode", "webauthnchallenge", "loginticket"])
    def test_no_factor_has_an_admin_of_its_own(self, admin_client, model):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:mfa_{model}_changelist")
        assert admin_client.get(f"/admin/mfa/{model}/").status_code == HTTPStatus.NOT_FOUND


class TestRemoveTwoFactor:
    def test_turns_it_off_and_deletes_the_codes(
        self, admin_client, admin_user, user, other_user, factors, committed, mailoutbox, audit_lines
    ):
        with committed():
            response = admin_client.post(
                USERS_ADMIN,
                {"action": "remove_two_factor", "_selected_action": [str(user.pk), str(other_user.pk)]},
                follow=True,
            )
        assert response.status_code == HTTPStatus.OK
        assert "Two-factor removed for 1 user(s)" in response.content.decode()
        assert User.objects.get(pk=user.pk).totp_enabled is False
        assert not TotpDevice.objects.exists()
        assert not RecoveryCode.objects.exists()
        assert Passkey.objects.count() == 1  # passkeys are not two-factor: they stay
        (line,) = [line for line in audit_lines() if line["event"] == "two_factor_disabled"]
        assert (line["user_id"], line["by"], line["admin_id"]) == (user.pk, "admin", admin_user.pk)
        assert [mail.subject.split(" ·")[0] for mail in mailoutbox] == ["Two-factor sign-in was turned off"]

    def test_the_user_signs_in_with_the_password_alone_then(self, admin_client, user, factors, browser):
        admin_client.post(USERS_ADMIN, {"action": "remove_two_factor", "_selected_action": [str(user.pk)]})
        assert browser.login_as(user).status_code == HTTPStatus.OK


class TestRemovePasskey:
    def test_ticking_delete_removes_it_through_the_rules(
        self, admin_client, admin_user, user, passkey, committed, mailoutbox, audit_lines
    ):
        data = form_fields(admin_client.get(change_url(user)).content.decode())
        prefix = next(name for name in data if name.endswith("-TOTAL_FORMS") and name.startswith("passkeys"))
        data[prefix.replace("TOTAL_FORMS", "0-DELETE")] = ["on"]
        with committed():
            response = admin_client.post(change_url(user), data, follow=True)
        assert response.status_code == HTTPStatus.OK
        assert not Passkey.objects.exists()
        assert User.objects.get(pk=user.pk).passkey_count == 0
        (line,) = [line for line in audit_lines() if line["event"] == "passkey_removed"]
        assert (line["passkey_id"], line["by"], line["admin_id"]) == (passkey["id"], "admin", admin_user.pk)
        assert any(mail.subject.startswith("A passkey was removed") for mail in mailoutbox)


class TestRemoveTwoFactorSignsTheUserOut:
    """The button on the user's page and the bulk action: two-factor off, every session and token of the user dead."""

    @pytest.fixture
    def staff(self, admin_user):
        browser = StaffBrowser()
        browser.sign_in(admin_user, password="password")
        return browser

    def test_the_button_on_the_users_page_asks_then_removes(
        self, staff, admin_user, user, other_user, clock, committed, mailoutbox
    ):
        device, bystander, elsewhere = Device(user), Device(other_user), another_server()
        turn_on_two_factor(user, clock)
        page = staff.get(change_url(user))
        are_you_sure = staff.get(link(page, "Remove two-factor"))
        assert f"Remove two-factor for {user.username}?" in are_you_sure.content.decode()
        with committed():
            response = staff.send(are_you_sure, press="Remove two-factor")
        assert f"Two-factor removed for {user.username}; they are logged out everywhere." in response.content.decode()
        assert User.objects.get(pk=user.pk).totp_enabled is False
        assert not TotpDevice.objects.exists()
        assert not RecoveryCode.objects.exists()
        assert_signed_out(device, elsewhere)
        assert_still_signed_in(bystander, elsewhere)
        audited("two_factor_disabled", user, admin_user)
        assert "tool-remove_two_factor" not in response.content.decode()  # nothing left to remove

    def test_the_bulk_action_too(self, staff, admin_user, user, clock, committed):
        device, elsewhere = Device(user), another_server()
        turn_on_two_factor(user, clock)
        with committed():
            response = staff.submit(
                f"{USERS_ADMIN}?totp_enabled__exact=1",
                form="changelist-form",
                fill={"action": "remove_two_factor"},
                tick={"_selected_action": [str(user.pk)]},
                press="Go",
            )
        assert "Two-factor removed for 1 user(s)" in response.content.decode()
        assert_signed_out(device, elsewhere)
        audited("two_factor_disabled", user, admin_user)

    def test_no_button_without_two_factor(self, staff, user):
        assert "tool-remove_two_factor" not in staff.get(change_url(user)).content.decode()
