"""The site-wide settings and their defaults, read at call time (``from jwtsite import conf``).

Settings of one app live in that app's ``conf.py``; these concern the whole
site: its public origin, the shared cache's outage policy, /healthz's checks
and the Content-Security-Policy (jwtsite/app_settings.py says how they are read).
"""

from jwtsite.app_settings import AppSettings

OUTAGE_POLICIES = ("open", "closed")  # jwtsite/cache.py: OPEN, CLOSED

# Sent on every response by jwtsite/security.py: no inline script anywhere. (Not named
# CONTENT_SECURITY_POLICY: a module attribute of that name would hide the setting.)
DEFAULT_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


class SiteSettings(AppSettings):
    defaults = {
        # What happens while the shared cache (Redis) is unreachable (jwtsite/cache.py):
        # "open" serves from each process's memory, "closed" answers 503 cache_unavailable.
        "CACHE_OUTAGE_POLICY": "open",
        # What /healthz checks (jwtsite/health.py): the database decides 200 or 503, any
        # other failing check makes the answer "degraded".
        "HEALTH_CHECKS": {
            "database": "jwtsite.health.database",
            "cache": "jwtsite.health.shared_cache",
            "revocations": "accounts.revocation.runtime.health",
            "mail": "emails.health.mail",
        },
        "CONTENT_SECURITY_POLICY": DEFAULT_CONTENT_SECURITY_POLICY,
        # HTML pages under these prefixes get their policy instead. DRF's browsable API
        # and the Swagger UI put a few inline styles in their pages (style="" attributes,
        # a <style> block); scripts stay 'self' there too.
        "CONTENT_SECURITY_POLICY_RELAXED": {
            "/api/": DEFAULT_CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
        },
    }

    @property
    def SITE_URL(self) -> str:
        # The public origin: links in emails, and the WebAuthn relying party (its host).
        return str(self._setting("SITE_URL", "http://localhost:8000")).rstrip("/")


app_settings = SiteSettings()


def __getattr__(name: str):
    # PEP 562: conf.SITE_URL and the like, read at call time.
    return app_settings.get(name)
