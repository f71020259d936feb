"""App config for dpop: proof-of-possession tokens for Bearer clients (docs/dpop.md)."""

from django.apps import AppConfig


class DpopConfig(AppConfig):
    name = "dpop"
    verbose_name = "DPoP"

    def ready(self) -> None:
        from dpop import checks, schema  # noqa: F401 - registers the settings' checks and the OpenAPI scheme
