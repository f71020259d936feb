"""The seam through which other apps add to a user's admin page; accounts never imports them.

An app adds its part from its own ``admin.py`` (mfa/admin.py adds the
passkeys inline, "Remove two-factor" and its bulk action)::

    from accounts.admin.user_page import UserTool, user_page

    user_page.add(inlines=[PasskeyInline], tools=[REMOVE_TWO_FACTOR], actions=[remove_two_factor])

A tool is a button on the user's page that opens a confirmation page and,
confirmed, acts: ``perform(request, user)`` does the work (through the app's
services, audited as the staff member) and returns the message shown next.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib.admin.options import InlineModelAdmin
from django.http import HttpRequest

from accounts.models import User


def _always(user: User) -> bool:
    return True


@dataclass(frozen=True)
class UserTool:
    """A confirmed action on one user: its button at the top of the user's page, its page at ``<id>/<name>/``."""

    name: str  # the URL's last part, and the view's name: admin:accounts_user_<name>
    label: str  # the button, on the user's page and on the confirmation page
    question: str  # "%(user)s" is the username
    consequences: Sequence[str]  # what happens, one line each
    perform: Callable[[HttpRequest, User], str]
    shown: Callable[[User], bool] = _always  # e.g. only when two-factor is on
    permission: str = "change"  # what the staff member needs on users


@dataclass
class UserPage:
    """What the user admin shows besides accounts' own: inlines, tools and bulk actions other apps added."""

    inlines: list[type[InlineModelAdmin]] = field(default_factory=list)
    tools: list[UserTool] = field(default_factory=list)
    actions: list[Callable] = field(default_factory=list)

    def add(
        self,
        *,
        inlines: Sequence[type[InlineModelAdmin]] = (),
        tools: Sequence[UserTool] = (),
        actions: Sequence[Callable] = (),
    ) -> None:
        """Adds an app's part; adding the same part twice (a module imported again) changes nothing."""
        self.inlines.extend(inline for inline in inlines if inline not in self.inlines)
        self.tools.extend(tool for tool in tools if tool.name not in {known.name for known in self.tools})
        self.actions.extend(action for action in actions if action not in self.actions)


user_page = UserPage()
