"""dpop's settings and their defaults, read at call time (``from dpop import conf``; jwtsite/app_settings.py)."""

from jwtsite.app_settings import AppSettings

# The asymmetric algorithms a proof may be signed with (RFC 9449: never a MAC, never "none").
SUPPORTED_ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA", "Ed25519")


class DpopSettings(AppSettings):
    defaults = {
        # Refuse unbound Bearer tokens: /api/token/ and /api/token/refresh/ need a DPoP proof, and an
        # access token sent as "Authorization: Bearer" is refused. Cookie sessions are not affected.
        "DPOP_REQUIRED": False,
        # Seconds a proof is good for after its iat (and the time its jti is remembered, to refuse a replay).
        "DPOP_IAT_WINDOW": 60,
        # Proofs must carry a nonce this server issued (DPoP-Nonce): a proof made ahead of time, on a
        # device that is then cleaned, is useless. Stateless: an HMAC of a time bucket (dpop/nonces.py).
        "DPOP_NONCE": False,
        # Seconds a nonce is current; the previous one is still accepted, so one lives up to twice this.
        "DPOP_NONCE_LIFETIME": 300,
        "DPOP_ALGORITHMS": list(SUPPORTED_ALGORITHMS),
    }


app_settings = DpopSettings()


def __getattr__(name: str):
    # PEP 562: conf.DPOP_REQUIRED and the like, read at call time.
    return app_settings.get(name)
