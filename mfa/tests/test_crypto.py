"""Keys of the secrets at rest: derived from the secret key, rotated without locking anyone out."""

from http import HTTPStatus

import pytest
from django.core.management import call_command

from conftest import BrowserClient
from mfa import crypto
from mfa.models import TotpDevice
from mfa.tests.conftest import password_step, turn_on_two_factor

pytestmark = pytest.mark.django_db

LOGIN_MFA = "/api/auth/login/mfa/"


def sign_in(user, code: str) -> int:
    client = BrowserClient()
    password_step(client, user)
    return client.post(LOGIN_MFA, {"code": code}, format="json").status_code


class TestKeys:
    def test_by_default_they_come_from_the_secret_key_never_being_it(self, settings):
        settings.MFA_ENCRYPTION_KEYS = []
        settings.SECRET_KEY_FALLBACKS = ["an-older-secret-key"]
        assert crypto.configured_keys() == (settings.SECRET_KEY, "an-older-secret-key")
        token = crypto.encrypt_secret("JBSWY3DPEHPK3PXP")
        assert settings.SECRET_KEY not in token
        assert crypto.decrypt_secret(token) == "JBSWY3DPEHPK3PXP"

    def test_a_dedicated_key_replaces_the_secret_key(self, settings):
        settings.MFA_ENCRYPTION_KEYS = ["a-dedicated-key"]
        token = crypto.encrypt_secret("JBSWY3DPEHPK3PXP")
        settings.MFA_ENCRYPTION_KEYS = []
        with pytest.raises(crypto.SecretUnreadable):
            crypto.decrypt_secret(token)

    def test_the_same_secret_encrypts_differently_each_time(self):
        assert crypto.encrypt_secret("JBSWY3DPEHPK3PXP") != crypto.encrypt_secret("JBSWY3DPEHPK3PXP")


class TestRotation:
    def test_old_secrets_and_codes_work_while_the_old_key_is_listed(self, settings, user, clock):
        settings.MFA_ENCRYPTION_KEYS = ["old-key"]
        two_factor = turn_on_two_factor(user, clock)
        settings.MFA_ENCRYPTION_KEYS = ["new-key", "old-key"]
        assert sign_in(user, two_factor.code()) == HTTPStatus.OK
        assert sign_in(user, two_factor.recovery_codes[0]) == HTTPStatus.OK

    def test_the_command_re_encrypts_so_the_old_key_can_go(self, settings, user, clock, capsys):
        settings.MFA_ENCRYPTION_KEYS = ["old-key"]
        two_factor = turn_on_two_factor(user, clock)
        before = TotpDevice.objects.get().secret
        settings.MFA_ENCRYPTION_KEYS = ["new-key", "old-key"]
        call_command("mfa_rotate_keys")
        assert "1 TOTP secret(s) re-encrypted" in capsys.readouterr().out
        assert TotpDevice.objects.get().secret != before
        settings.MFA_ENCRYPTION_KEYS = ["new-key"]
        assert sign_in(user, two_factor.code()) == HTTPStatus.OK
        # Recovery codes cannot be re-keyed: made under the old key, they went with it.
        assert sign_in(user, two_factor.recovery_codes[0]) == HTTPStatus.UNAUTHORIZED

    def test_without_any_key_that_reads_it_no_code_works_and_it_is_logged(self, settings, user, clock, caplog):
        settings.MFA_ENCRYPTION_KEYS = ["lost-key"]
        two_factor = turn_on_two_factor(user, clock)
        settings.MFA_ENCRYPTION_KEYS = ["another-key"]
        assert sign_in(user, two_factor.code()) == HTTPStatus.UNAUTHORIZED
        assert "no longer configured" in caplog.text
