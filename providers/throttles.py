"""Trips to a provider started and answered, per client IP: at ``LOGIN_RATE_IP``, like password sign-ins.

Each start writes a row and may fetch the provider's discovery document, so
a flood of them is refused; the views answer with a page, not a 429 JSON
body, since these requests are browser navigations.
"""

from accounts.throttles import PerIPThrottle


class ProviderTripIPThrottle(PerIPThrottle):
    scope = "provider_trip_ip"
    rate_setting = "LOGIN_RATE_IP"
