"""Devices in words: "Chrome 156 on Linux" from a User-Agent header, for people to recognise them.

One reading for the sessions API, the admin, the devices page and security
notices, by ``user-agents`` (ua-parser's regexes). Parsing is slow next to
everything else a request does, so results are cached per process.
"""

from functools import lru_cache

from user_agents import parse

UNKNOWN_DEVICE = "Unknown device"
UNKNOWN_BROWSER = "Unknown browser"


@lru_cache(maxsize=1024)
def describe_user_agent(user_agent: str) -> str:
    """E.g. "Firefox 128 on Windows", "Chrome 156 on Linux", "curl 8"; never empty."""
    if not user_agent:
        return UNKNOWN_DEVICE
    parsed = parse(user_agent)
    browser = _named(parsed.browser.family, parsed.browser.version)
    system = _named(parsed.os.family, parsed.os.version[:1])
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or UNKNOWN_BROWSER


def _named(family: str, version: tuple) -> str:
    if not family or family == "Other":
        return ""
    major = version[0] if version else None
    return f"{family} {major}" if major is not None else family
