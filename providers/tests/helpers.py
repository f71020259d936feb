"""Steps of a provider sign-in as a browser takes them: to the provider and back."""

from urllib.parse import urlencode

from django.urls import reverse


def start(browser, provider_id: str = "acme", next_path: str | None = None):
    query = f"?{urlencode({'next': next_path})}" if next_path else ""
    response = browser.get(reverse("providers:login", args=[provider_id]) + query)
    assert response.status_code == 302, response.content
    return response["Location"]


def callback(browser, params: dict, provider_id: str = "acme"):
    return browser.get(reverse("providers:callback", args=[provider_id]) + "?" + urlencode(params))


def sign_in(browser, fake_provider, *, next_path: str | None = None, **claims):
    """The whole trip; the callback's answer."""
    url = start(browser, next_path=next_path)
    return callback(browser, fake_provider.authorize(url, **claims))


def refused_with(response, code: str, page: str = "/login/") -> bool:
    location = response["Location"]
    return response.status_code == 302 and location.startswith(page) and f"provider_error={code}" in location
