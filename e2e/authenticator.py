"""Chromium's virtual WebAuthn authenticator, driven over the DevTools protocol.

With automatic presence simulation on (the default), the authenticator answers every request by
itself, as a person touching it would. Turned off, requests wait as for a person who has not
touched it yet; turning it back on does not answer a request already waiting (measured on
Chromium 156), only the next one. /login/'s passkey autofill keeps a conditional request waiting,
so a test that wants the "Sign in with a passkey" button to do the signing in turns presence off
before the page starts that request and on just before the click, which aborts it.
"""

from playwright.sync_api import Page, expect


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


def presence(cdp, authenticator_id: str, *, on: bool) -> None:
    """Whether the virtual authenticator answers by itself (a person touching it), the autofill included."""
    cdp.send("WebAuthn.setAutomaticPresenceSimulation", {"authenticatorId": authenticator_id, "enabled": on})


def sign_in_with_the_passkey_button(page: Page, cdp, authenticator_id: str) -> None:
    """/login/'s button, never the autofill: the autofill's waiting request starts while presence is off."""
    presence(cdp, authenticator_id, on=False)
    page.goto("/login/")
    button = page.get_by_role("button", name="Sign in with a passkey")
    expect(button).to_be_visible()
    presence(cdp, authenticator_id, on=True)
    button.click()  # aborts the autofill's waiting request, then asks the authenticator
