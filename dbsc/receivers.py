"""dbsc listening on accounts' seam: a browser sign-in's answer offers to bind the new session."""

from django.http import HttpResponse

from accounts import conf as accounts_conf
from accounts.tokens import IssuedTokens
from dbsc import conf, services

REGISTRATION_HEADER = "Secure-Session-Registration"


def offer_registration(*, response: HttpResponse, tokens: IssuedTokens, **kwargs) -> None:
    """Adds ``Secure-Session-Registration`` if DBSC is on and the cookies are Secure (browsers bind only over HTTPS)."""
    if conf.DBSC and accounts_conf.cookie_secure():
        response[REGISTRATION_HEADER] = services.registration_offer(session_id=tokens.session_id)
