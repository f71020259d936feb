"""``{% email_sign_in_enabled as on %}``: whether /login/ offers "Email me a code" (``EMAIL_SIGN_IN``)."""

from django import template

from emails import sign_in_codes

register = template.Library()


@register.simple_tag
def email_sign_in_enabled() -> bool:
    return sign_in_codes.enabled()
