"""jwtsite: a Django site whose sessions are JWTs in httpOnly cookies."""
