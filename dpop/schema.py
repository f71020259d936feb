"""OpenAPI description of ``DPoPAuthentication``: accounts' Bearer and cookie schemes, and DPoP."""

from accounts.schema import JWTCookieAuthenticationScheme


class DPoPAuthenticationScheme(JWTCookieAuthenticationScheme):
    target_class = "dpop.authentication.DPoPAuthentication"
    name = ["bearerAuth", "dpopAuth", "cookieAuth"]

    def get_security_definition(self, auto_schema):
        bearer, cookie = super().get_security_definition(auto_schema)
        dpop = {
            "type": "http",
            "scheme": "DPoP",
            "description": "`Authorization: DPoP <access>` with a `DPoP` proof header (RFC 9449: `htm`, `htu`, "
            "`iat`, `jti`, `ath`) signed by the key the token is bound to (`cnf.jkt`). Failures: 401 with "
            '`WWW-Authenticate: DPoP error="invalid_dpop_proof"` (or `invalid_token`, `use_dpop_nonce` with a '
            "`DPoP-Nonce` header). docs/dpop.md.",
        }
        return [bearer, dpop, cookie]

    def get_security_requirement(self, auto_schema):
        return [{"bearerAuth": []}, {"dpopAuth": []}, {"cookieAuth": []}]
