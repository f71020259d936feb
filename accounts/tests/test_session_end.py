"""One revocation path, whatever the caller hands in; no session row goes without being revoked first.

``services.session_revoke`` takes any queryset of sessions (filtered on what it
changes, sliced, ordered, annotated, ``distinct``); deleting a session (the
model's ``delete()``, a queryset's ``delete()``) and deleting its user (one, or
a queryset: the cascade) revoke it first. Each ends the access token on this
server and on another (a view that learns only from the database) and the
refresh token at once, in a constant number of statements.
"""

import pytest
from django.db.models import Count, F

from accounts import services
from accounts.client import ClientInfo
from accounts.models import Revocation, Session, User
from accounts.tests.admin_devices import Device, another_server, assert_signed_out, assert_still_signed_in
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BULK = ClientInfo(ip_address="192.0.2.1", user_agent="bulk")


@pytest.fixture
def elsewhere():
    return another_server()


class TestAnyQueryset:
    def test_filtered_on_what_the_revocation_changes(self, user, elsewhere, committed):
        """The reported bug: ``revoked_at IS NULL`` selected nothing after the UPDATE, so no record, no blacklist."""
        device = Device(user)
        with committed():
            revoked = services.session_revoke(sessions=Session.objects.live().filter(user=user))
        assert_signed_out(device, elsewhere)
        assert [session_id for session_id, _ in revoked] == [device.session.pk]

    def test_sliced_and_ordered(self, user, elsewhere, committed):
        oldest, newest = Device(user, "oldest"), Device(user, "newest")
        with committed():
            services.session_revoke(sessions=Session.objects.filter(user=user).order_by("created_at")[:1])
        assert_signed_out(oldest, elsewhere)
        assert_still_signed_in(newest, elsewhere)

    def test_annotated_and_distinct(self, user, other_user, elsewhere, committed):
        mine, theirs = Device(user), Device(other_user)
        sessions = (
            Session.objects.annotate(sessions_of_user=Count("user__login_sessions"), name=F("user__username"))
            .filter(name=user.username, sessions_of_user__gte=1)
            .distinct()
            .order_by("-sessions_of_user")
        )
        with committed():
            assert len(services.session_revoke(sessions=sessions)) == 1
        assert_signed_out(mine, elsewhere)
        assert_still_signed_in(theirs, elsewhere)

    def test_only_the_live_ones_are_revoked_and_reported(self, user):
        first, second = Device(user, "first"), Device(user, "second")
        services.session_revoke(sessions=Session.objects.filter(pk=first.session.pk))
        before = Session.objects.get(pk=first.session.pk).revoked_at
        revoked = services.session_revoke(sessions=Session.objects.filter(user=user))
        assert revoked == [(second.session.pk, user.pk)]
        assert Session.objects.get(pk=first.session.pk).revoked_at == before
        assert Revocation.objects.filter(session_id=first.session.pk).count() == 1

    @pytest.mark.parametrize("count", [1, 40])
    def test_a_constant_number_of_statements(self, user, count, django_assert_num_queries):
        for _ in range(count):
            services.session_create(user=user, client=BULK)
        # The ids; then the UPDATE, the blacklist, the record (in a savepoint: +2).
        with django_assert_num_queries(6):
            assert len(services.session_revoke(sessions=Session.objects.live().filter(user=user))) == count


class TestDeletingASession:
    def test_the_models_delete_revokes_it_first(self, user, elsewhere, committed):
        device = Device(user)
        with committed():
            device.session.delete()
        assert not Session.objects.filter(pk=device.session.pk).exists()
        assert_signed_out(device, elsewhere)

    def test_a_querysets_delete_revokes_them_first(self, user, other_user, elsewhere, committed):
        mine, theirs = Device(user), Device(other_user)
        with committed():
            count, per_model = Session.objects.live().filter(user=user).delete()
        assert (count, per_model) == (1, {"accounts.Session": 1})
        assert_signed_out(mine, elsewhere)
        assert_still_signed_in(theirs, elsewhere)

    def test_the_users_related_manager_too(self, user, elsewhere, committed):
        device = Device(user)
        with committed():
            user.login_sessions.all().delete()
        assert_signed_out(device, elsewhere)

    def test_clearing_expired_sessions_revokes_nothing(self, user):
        """Expired sessions have no token left to refuse: no revocation records for the clean-up."""
        from django.utils import timezone

        Device(user)
        Session.objects.update(expires_at=timezone.now())
        assert services.sessions_delete_expired()["sessions"] == 1
        assert not Revocation.objects.exists()


class TestDeletingAUser:
    def test_the_models_delete_logs_them_out_everywhere_first(self, user, other_user, elsewhere, committed):
        device, bystander = Device(user), Device(other_user)
        with committed():
            User.objects.get(pk=user.pk).delete()
        assert_signed_out(device, elsewhere)
        assert_still_signed_in(bystander, elsewhere)
        assert Revocation.objects.filter(user_id=user.pk).exists()  # a floor for every token of theirs

    def test_a_querysets_delete_does_too(self, user, other_user, elsewhere, committed):
        mine, theirs = Device(user), Device(other_user)
        with committed():
            User.objects.filter(pk__in=[user.pk, other_user.pk]).delete()
        assert_signed_out(mine, elsewhere)
        assert_signed_out(theirs, elsewhere)

    @pytest.mark.parametrize("sessions", [1, 30])
    def test_a_constant_number_of_statements_however_many_sessions(self, sessions, django_assert_num_queries):
        users = UserFactory.create_batch(2)
        for user in users:
            for _ in range(sessions):
                services.session_create(user=user, client=BULK)
        with django_assert_num_queries(DELETE_TWO_USERS_STATEMENTS):
            User.objects.filter(pk__in=[user.pk for user in users]).delete()
        assert not Session.objects.exists()


# In savepoints (+2 each, three of them): the users' ids; the version bump, its
# record, the sessions' ids, revoking them, the blacklist; deleting the sessions,
# the blacklisted and the outstanding token records; then the deletion collector:
# the users' rows, one DELETE per table of theirs (admin log, groups,
# permissions, sessions, passkeys, two-factor, sign-in codes, linked identities,
# provider trips, posts...) and the users.
DELETE_TWO_USERS_STATEMENTS = 31
