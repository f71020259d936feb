"""Users, login sessions, their JWTs and the auth API."""
