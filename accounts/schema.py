"""OpenAPI description of the site's authentication: a cookie scheme and a Bearer scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class JWTCookieAuthenticationScheme(OpenApiAuthenticationExtension):
    """``accounts.authentication.JWTCookieAuthentication`` as two alternative schemes."""

    target_class = "accounts.authentication.JWTCookieAuthentication"
    name = ["bearerAuth", "cookieAuth"]

    def get_security_definition(self, auto_schema):
        return [
            build_bearer_security_scheme_object(
                header_name="Authorization", token_prefix="Bearer", bearer_format="JWT"
            ),
            {
                "type": "apiKey",
                "in": "cookie",
                "name": "access_token",
                "description": "The access JWT in its httpOnly cookie (`__Host-access_token` when "
                "JWT_COOKIE_SECURE=1); unsafe requests also need `X-CSRFToken`.",
            },
        ]

    def get_security_requirement(self, auto_schema):
        # Either scheme authenticates: a list of requirements means OR in OpenAPI.
        return [{"bearerAuth": []}, {"cookieAuth": []}]
