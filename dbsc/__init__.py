"""Device Bound Session Credentials (W3C DBSC) for the cookie session: a browser binds its session to a key it holds."""
