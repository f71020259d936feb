"""What the emails app does when accounts says something happened (accounts/signals.py)."""

from accounts import signals
from accounts.client import ClientInfo
from accounts.models import User
from emails import notices, services


def on_signed_in(*, user: User, client: ClientInfo, new_device: bool, **kwargs) -> None:
    if new_device:
        notices.send_notice(user=user, kind="new_sign_in", client=client)


def on_password_changed(*, user: User, client: ClientInfo | None, reset: bool, **kwargs) -> None:
    notices.send_notice(user=user, kind="password_reset" if reset else "password_changed", client=client)


def on_registered(*, user: User, **kwargs) -> None:
    services.registration_mail(user=user)


def on_security_event(*, sender, signal, user: User, kind: str, client: ClientInfo | None = None, **details) -> None:
    """Mails the notice of ``kind`` when there is one (emails/notices.py); other kinds are not mailed."""
    if kind in notices.KINDS:
        notices.send_notice(user=user, kind=kind, client=client, **details)


def connect() -> None:
    """Connects the receivers (``EmailsConfig.ready``)."""
    signals.signed_in.connect(on_signed_in, dispatch_uid="emails.signed_in")
    signals.password_changed.connect(on_password_changed, dispatch_uid="emails.password_changed")
    signals.registered.connect(on_registered, dispatch_uid="emails.registered")
    signals.security_event.connect(on_security_event, dispatch_uid="emails.security_event")
