"""The project's app configs: the site-wide settings' checks, and Django's admin on the site's own sign-in."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "accounts.admin_site.AdminSite"


class SiteConfig(AppConfig):
    """jwtsite as an app: no models, only the checks of its site-wide settings (jwtsite/checks.py)."""

    name = "jwtsite"
    verbose_name = "The site"

    def ready(self) -> None:
        from jwtsite import checks  # noqa: F401 - registers the site-wide settings checks
