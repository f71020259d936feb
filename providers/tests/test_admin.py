"""The admin: a user's linked identities on their page; ticking one unlinks it through the rules."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from mfa.tests.test_admin import form_fields
from providers.models import ExternalIdentity

pytestmark = pytest.mark.django_db


def change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def test_the_users_page_lists_linked_identities(admin_client, user, clock):
    ExternalIdentity.objects.create(
        user=user, provider_id="acme", subject="sub-123", email="a@acme.example", linked_at=clock.now
    )
    page = admin_client.get(change_url(user)).content.decode()
    assert "linked sign-in providers" in page.lower()
    assert "sub-123" in page
    assert "a@acme.example" in page


def untick(admin_client, user) -> dict:
    data = form_fields(admin_client.get(change_url(user)).content.decode())
    prefix = next(name for name in data if name.endswith("-TOTAL_FORMS") and name.startswith("external_identities"))
    data[prefix.replace("TOTAL_FORMS", "0-DELETE")] = ["on"]
    return data


def test_ticking_delete_unlinks_as_the_staff_member(
    admin_client, admin_user, user, clock, committed, audit_lines, mailoutbox
):
    ExternalIdentity.objects.create(user=user, provider_id="acme", subject="s", linked_at=clock.now)
    with committed():
        response = admin_client.post(change_url(user), untick(admin_client, user), follow=True)
    assert response.status_code == HTTPStatus.OK
    assert not ExternalIdentity.objects.exists()
    (line,) = [line for line in audit_lines() if line["event"] == "external_identity_unlinked"]
    assert (line["by"], line["admin_id"]) == ("admin", admin_user.pk)
    assert any(mail.subject.startswith("A sign-in provider was unlinked") for mail in mailoutbox)


def test_the_last_way_in_is_kept_in_the_admin_too(admin_client, user, clock):
    user.set_unusable_password()
    user.save()
    ExternalIdentity.objects.create(user=user, provider_id="acme", subject="s", linked_at=clock.now)
    response = admin_client.post(change_url(user), untick(admin_client, user), follow=True)
    assert "only way to sign in" in response.content.decode()
    assert ExternalIdentity.objects.exists()
