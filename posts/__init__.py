"""Posts: the protected resource."""
