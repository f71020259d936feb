"""Nothing stored server-side yields a usable token."""

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.tests.helpers import access_cookie, refresh_cookie

pytestmark = pytest.mark.django_db


def test_database_dump_after_login_and_refresh_holds_no_issued_token(auth_client, user):
    issued = [auth_client.cookies["__Host-access_token"].value, auth_client.cookies["__Secure-refresh_token"].value]
    response = auth_client.post("/api/auth/refresh/")
    issued += [access_cookie(response).value, refresh_cookie(response).value]
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    text = dump.getvalue()
    for token in issued:
        assert token not in text
        signature = token.rsplit(".", 1)[1]
        assert signature not in text
    assert set(OutstandingToken.objects.values_list("token", flat=True)) == {""}
