"""A stdlib HTTP client for one origin that keeps cookies like a browser, and its answers."""

import http.client
import json
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlsplit


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class Client:
    """A stdlib HTTP client for one origin that keeps cookies like a browser.

    Cookies are kept per name only (paths are not matched: every cookie goes with
    every request), which is enough for tests that pick cookies on purpose.
    ``cookies`` may be shared between clients of different servers, as a browser
    shares them between ports of one host.
    """

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None, timeout: float = 15.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies = cookies if cookies is not None else {}
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        data: dict | None = None,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        csrf: bool = False,
    ) -> Response:
        """Sends one request; ``cookies`` replaces the jar for it; ``csrf`` adds ``X-CSRFToken``."""
        jar = self.cookies if cookies is None else cookies
        sent = {"Accept": "application/json", **(headers or {})}
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            sent["Content-Type"] = "application/json"
        if csrf:
            sent["X-CSRFToken"] = jar["csrftoken"]
        if jar:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            connection.close()
        if cookies is None:
            self._store_cookies(response)
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> Response:
        return self.request("POST", path, data=data, **kwargs)

    def _store_cookies(self, response: Response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
