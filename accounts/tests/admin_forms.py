"""Driving the admin as a staff member does: open a page, fill in or tick what it shows, press its button.

``StaffBrowser`` is a browser-like client signed in through the site's own
login; it enforces CSRF and never adds a token header of its own, so every
POST passes only with the ``csrfmiddlewaretoken`` the page's form carries.
``submit`` reads the form from the page (hidden fields, selected options,
ticked boxes, every inline's management form), applies the changes a person
would make, and posts it where the form posts: a box can only be ticked if
the page shows it (a session hidden by the filter cannot be selected).
"""

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

from django.test import Client
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD

YES_IM_SURE = "Yes, I\u2019m sure"  # the button of Django's delete confirmation page (a typographic apostrophe)


@dataclass
class Form:
    """A form as a browser would submit it, plus what could be ticked or pressed on it."""

    action: str | None
    data: dict[str, list[str]] = field(default_factory=dict)
    checkboxes: dict[str, list[str]] = field(default_factory=dict)  # unticked, by name: their values
    buttons: dict[str, str] = field(default_factory=dict)  # label -> "name=value" (or "" for a plain submit)
    attributes: dict[str, str] = field(default_factory=dict)


class FormParser(HTMLParser):
    """Every ``<form>`` of a page, in order; fields outside a form are ignored, as browsers do."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], bool] | None = None  # name, options seen, multiple
        self._button: dict[str, str] | None = None
        self._button_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(action=attributes.get("action"), attributes=attributes)
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name, kind = attributes.get("name"), attributes.get("type", "text")
        if tag == "input" and kind in ("submit", "button"):
            label = attributes.get("value", "")
            self._form.buttons[label] = f"{name}={attributes.get('value', '')}" if name else ""
        elif tag == "input" and name and kind != "file":
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                self._form.checkboxes.setdefault(name, []).append(attributes.get("value", "on"))
            else:
                self._form.data.setdefault(name, []).append(attributes.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = (name, [], "multiple" in attributes)
        elif tag == "option" and self._select is not None:
            value = attributes.get("value", "")
            self._select[1].append(value)
            if "selected" in attributes:
                self._form.data.setdefault(self._select[0], []).append(value)
        elif tag == "textarea" and name:
            self._form.data.setdefault(name, []).append("")
        elif tag == "button" and attributes.get("type", "submit") == "submit":
            self._button = attributes
            self._button_text = []

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            name, options, multiple = self._select
            if self._form is not None and name not in self._form.data and options and not multiple:
                self._form.data[name] = [options[0]]  # nothing selected: the browser sends the first
            self._select = None
        elif tag == "button" and self._button is not None:
            label = " ".join("".join(self._button_text).split())
            name = self._button.get("name")
            if self._form is not None:
                self._form.buttons[label] = f"{name}={self._button.get('value', '')}" if name else ""
            self._button = None


def forms_of(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


class StaffBrowser(Client):
    """A browser signed in through ``/api/auth/login/`` (the admin has no sign-in of its own)."""

    def __init__(self, **defaults) -> None:
        super().__init__(enforce_csrf_checks=True, **defaults)

    def sign_in(self, user, password: str = DEFAULT_PASSWORD, **extra):
        self.get(reverse("accounts:csrf"))
        response = self.post(
            reverse("accounts:login"),
            {"username": user.get_username(), "password": password},
            content_type="application/json",
            HTTP_X_CSRFTOKEN=self.cookies["csrftoken"].value,
            **extra,
        )
        return response

    def submit(self, url: str, **changes):
        """Opens ``url`` and sends its form with ``changes`` (see ``send``)."""
        page = self.get(url)
        assert page.status_code == 200, (url, page.status_code)
        return self.send(page, **changes)

    def send(
        self,
        page,
        *,
        form: str | None = None,
        fill: dict[str, str | list[str]] | None = None,
        tick: dict[str, list[str]] | None = None,
        untick: list[str] = (),
        press: str | None = None,
        follow: bool = True,
    ):
        """Fills in the form of ``page`` (a response) and sends it where the browser would.

        ``form`` is the form's id (else the page's main form); ``fill``
        replaces fields; ``tick`` ticks boxes the page shows (name -> values);
        ``untick`` clears ticked boxes by name; ``press`` names the button
        (its label) when the form has several.
        """
        url = page_url(page)
        chosen = choose_form(forms_of(page.content.decode()), form)
        data = {name: list(values) for name, values in chosen.data.items()}
        for name in untick:
            data.pop(name, None)
        for name, values in (tick or {}).items():
            offered = chosen.checkboxes.get(name, [])
            missing = [value for value in values if value not in offered]
            assert not missing, f"the page offers no box {name}={missing} to tick (offered: {offered})"
            data.setdefault(name, []).extend(values)
        for name, value in (fill or {}).items():
            data[name] = value if isinstance(value, list) else [value]
        if press is not None:
            assert press in chosen.buttons, f"no button {press!r} (buttons: {list(chosen.buttons)})"
            if pressed := chosen.buttons[press]:
                name, _, value = pressed.partition("=")
                data[name] = [value]
        target = urljoin(url, chosen.action) if chosen.action else url
        return self.post(target, data, follow=follow)


def link(page, label: str) -> str:
    """The URL of the page's link labelled ``label`` (the first), as a browser would follow it."""
    for href, text in re.findall(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', page.content.decode(), flags=re.S):
        if " ".join(re.sub(r"<[^>]+>", "", text).split()) == label:
            return urljoin(page_url(page), html.unescape(href))
    raise AssertionError(f"no link {label!r} on {page_url(page)}")


def page_url(response) -> str:
    """The URL a response answered (after any redirects), query string included."""
    request = response.request
    query = request.get("QUERY_STRING", "")
    return request["PATH_INFO"] + (f"?{query}" if query else "")


def choose_form(forms: list[Form], form_id: str | None) -> Form:
    if form_id is not None:
        matching = [form for form in forms if form.attributes.get("id") == form_id]
        assert matching, f"no form #{form_id} (forms: {[form.attributes.get('id') for form in forms]})"
        return matching[0]
    # The page's main form: not the header's "Log out" form.
    candidates = [form for form in forms if form.attributes.get("id") != "logout-form"]
    assert candidates, "the page has no form"
    return max(candidates, key=lambda form: len(form.data) + len(form.checkboxes))
