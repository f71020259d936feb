"""``manage.py cleanup_sessions``: expired rows go, live ones stay."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.client import ClientInfo
from accounts.models import Session

pytestmark = pytest.mark.django_db

CLIENT = ClientInfo(ip_address="192.0.2.7", user_agent="test")


def expire(session_id) -> None:
    past = timezone.now() - timedelta(days=1)
    session = Session.objects.get(pk=session_id)
    Session.objects.filter(pk=session_id).update(expires_at=past)
    OutstandingToken.objects.filter(pk=session.current_token_id).update(expires_at=past)


def test_deletes_expired_sessions_and_tokens_in_batches(user):
    live = services.session_create(user=user, client=CLIENT)
    services.session_refresh(raw_refresh=live.refresh)  # one blacklisted, one current token
    expired_ids = [services.session_create(user=user, client=CLIENT).session_id for _ in range(5)]
    for session_id in expired_ids:
        expire(session_id)
    # The live session's rotated-away token is blacklisted but not yet expired: it stays.
    out = StringIO()
    call_command("cleanup_sessions", "--batch-size", "2", stdout=out)
    assert out.getvalue().strip() == (
        "sessions: 5, outstanding_tokens: 5, blacklisted_tokens: 0, revocations: 0, audit_events: 0"
    )
    assert list(Session.objects.values_list("pk", flat=True)) == [Session.objects.get().pk]
    assert str(Session.objects.get().pk) == live.session_id
    assert OutstandingToken.objects.count() == 2
    assert BlacklistedToken.objects.count() == 1


def test_expired_blacklisted_tokens_go_with_their_records(user):
    tokens = services.session_create(user=user, client=CLIENT)
    services.session_refresh(raw_refresh=tokens.refresh)
    OutstandingToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    Session.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("cleanup_sessions", stdout=StringIO())
    assert (Session.objects.count(), OutstandingToken.objects.count(), BlacklistedToken.objects.count()) == (0, 0, 0)
