"""The refresh hot path's hand-written SQL reads and writes what the ORM does."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import sql
from accounts.models import Session
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.helpers import claims_of, refresh_cookie

pytestmark = pytest.mark.django_db


def test_a_rotation_stores_values_the_orm_finds(auth_client):
    before = timezone.now()
    claims = claims_of(refresh_cookie(auth_client.post(reverse("accounts:refresh"))).value)
    expires, issued = datetime.fromtimestamp(claims["exp"], UTC), datetime.fromtimestamp(claims["iat"], UTC)
    # Exact look-ups: the stored text (SQLite) or timestamp (PostgreSQL) is the ORM's own.
    session = Session.objects.get(expires_at=expires, rotated_at__gte=before, last_used_at__gte=before)
    token = OutstandingToken.objects.get(jti=claims["jti"], created_at=issued, expires_at=expires)
    assert session.current_token == token
    assert (session.current_jti, token.user_id, token.token) == (claims["jti"], session.user_id, "")


def test_lock_session_reads_what_the_orm_reads(auth_client, user):
    auth_client.post(reverse("accounts:refresh"))
    expected = Session.objects.get()
    with transaction.atomic():
        locked = sql.lock_session(str(expected.pk), user.pk)
    assert {field: getattr(locked, field) for field in sql.SESSION_FIELDS} == {
        field: getattr(expected, field) for field in sql.SESSION_FIELDS
    }
    assert locked.rotated_at.tzinfo is not None
    assert (locked.user.pk, locked.user.is_active, locked.user.token_version) == (user.pk, True, 0)
    # What the lock does not read is deferred, never a silent default.
    assert locked.get_deferred_fields() == {"last_used_at", "user_agent", "ip_address", "bound_key"}
    assert locked.user_agent == expected.user_agent


def test_lock_session_finds_nothing_for_another_user_or_an_unknown_id(auth_client, user, other_user):
    session = Session.objects.get()
    with transaction.atomic():
        assert sql.lock_session(str(session.pk), other_user.pk) is None
        assert sql.lock_session(str(uuid.uuid4()), user.pk) is None


def test_request_user_reads_what_the_orm_reads(user, django_user_model):
    django_user_model.objects.filter(pk=user.pk).update(is_staff=True, token_version=3)
    expected = django_user_model.objects.get(pk=user.pk)
    loaded = sql.request_user(user.pk)
    assert {field: getattr(loaded, field) for field in sql.REQUEST_USER_FIELDS} == {
        field: getattr(expected, field) for field in sql.REQUEST_USER_FIELDS
    }
    assert (loaded.is_active, loaded.is_staff, loaded.is_superuser, loaded.token_version) == (True, True, False, 3)
    assert "password" in loaded.get_deferred_fields()
    assert loaded.check_password(DEFAULT_PASSWORD)  # the hash loads on first use
    assert sql.request_user(user.pk + 1000) is None
