"""The project's app configs: Django's admin on the site's own sign-in (accounts/admin_site.py)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "accounts.admin_site.AdminSite"
