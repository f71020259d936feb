"""Who is on the other end of a request: client IP and user agent."""

import ipaddress
from dataclasses import dataclass

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

USER_AGENT_MAX_LENGTH = 1024


@dataclass(frozen=True)
class ClientInfo:
    ip_address: str | None
    user_agent: str


def client_ip(request: Request) -> str | None:
    """The client's IP as DRF's throttles see it (``NUM_PROXIES`` decides), if valid."""
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address((ident or "").strip()))
    except ValueError:
        return None


def client_info(request: Request) -> ClientInfo:
    return ClientInfo(
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:USER_AGENT_MAX_LENGTH],
    )
