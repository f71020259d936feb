"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for end-to-end mail tests."""

import email
import email.policy
import re
import time
from dataclasses import dataclass, field
from email.message import Message

from aiosmtpd.controller import Controller

from harness.servers import free_port


@dataclass
class Inbox:
    """What the server received, in order; ``wait_for`` polls for a message (it arrives after the answer)."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def wait_for(self, to: str, subject: str = "", timeout: float = 15.0) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if to in message["X-Envelope-To"] and subject in message["Subject"]:
                    return message
            time.sleep(0.1)
        raise AssertionError(f"no mail to {to} about {subject!r}; got {[m['Subject'] for m in self.messages]}")


def text_of(message: Message, subtype: str = "plain") -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text/{subtype} part")


def link_in(message: Message, path: str) -> str:
    """The one link to ``path`` in the plain-text part (the HTML part must carry the same)."""
    pattern = re.compile(rf"https?://[^\s\"<>]+{re.escape(path)}[^\s\"<>]*")
    links = set(pattern.findall(text_of(message)))
    assert len(links) == 1, links
    (link,) = links
    assert link.replace("&", "&amp;") in text_of(message, "html") or link in text_of(message, "html")
    return link


class SmtpServer:
    """``with SmtpServer() as server``: listening on ``server.port`` until the block ends.

    ``stop()`` and ``start()`` take the server down and bring it back on the same
    port with the same inbox, as a mail relay's outage would.
    """

    def __init__(self, inbox: Inbox | None = None) -> None:
        self.inbox = inbox if inbox is not None else Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "SmtpServer":
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> "SmtpServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
