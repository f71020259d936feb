"""Hands a DPoP client the server's current nonce (``DPoP-Nonce``) when ``DPOP_NONCE`` is on.

Every answer to a request that carried a proof gets it, the refusals
(``use_dpop_nonce``) above all, so a client always holds a current one.
"""

import time

from dpop import conf, nonces
from dpop.verification import HEADER

NONCE_HEADER = "DPoP-Nonce"


class DPoPNonceMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER in request.META and conf.DPOP_NONCE:
            response[NONCE_HEADER] = nonces.current(time.time())
        return response
