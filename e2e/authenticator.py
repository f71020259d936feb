"""Chromium's virtual WebAuthn authenticator, driven over the DevTools protocol.

With automatic presence simulation on (the default), the authenticator answers every request by
itself, as a person touching it would; off, requests wait as for a person who has not touched it.
/login/'s passkey autofill keeps a conditional request waiting, and when Chromium's virtual
authenticator answers it is not deterministic: without focus on the field, and with presence
turned on after the request started, it answered in some runs and not in others (CI saw both:
a sign-in before the button was clicked, and two sign-ins, the autofill's and the button's).
A test of the button therefore runs as a browser without the autofill would.
"""

from playwright.sync_api import Page


def add_virtual_authenticator(page: Page):
    """A platform authenticator with resident keys that verifies its user (as a fingerprint would)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def without_passkey_autofill(page: Page) -> None:
    """From the next navigation on, the page runs as in a browser without conditional mediation."""
    page.add_init_script(
        "if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;"
    )


def sign_in_with_the_passkey_button(page: Page) -> None:
    """/login/'s "Sign in with a passkey" button, with nothing else asking the authenticator."""
    without_passkey_autofill(page)
    page.goto("/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
