"""dbsc's settings and their defaults, read at call time (``from dbsc import conf``; jwtsite/app_settings.py).

``DBSC`` is on by default: a browser that does not know DBSC ignores the
``Secure-Session-Registration`` header, so the offer costs it nothing. The offer
is made only while the session cookies are ``Secure`` (``JWT_COOKIE_SECURE``,
on unless debugging): browsers bind only over HTTPS, and the bound access
cookie is ``__Host-`` then.
"""

from jwtsite.app_settings import AppSettings

ALGORITHMS = ("ES256", "RS256")


class DbscSettings(AppSettings):
    defaults = {
        # Offer browsers, on every sign-in, to bind the session to a key they hold.
        "DBSC": True,
        # Seconds a registration or refresh challenge stays usable (once).
        "DBSC_CHALLENGE_TTL": 120,
        # The proof algorithms offered, in order of preference.
        "DBSC_ALGORITHMS": list(ALGORITHMS),
    }


app_settings = DbscSettings()


def __getattr__(name: str):
    # PEP 562: conf.DBSC and the like, read at call time.
    return app_settings.get(name)
