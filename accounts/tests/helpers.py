"""Helpers for reading what the auth API left in a response."""

from http.cookies import Morsel

import jwt

from accounts import conf


def access_cookie(response) -> Morsel:
    return response.cookies[conf.access_cookie_name()]


def refresh_cookie(response) -> Morsel:
    return response.cookies[conf.refresh_cookie_name()]


def claims_of(raw_token: str, audience: str | None = None) -> dict:
    return jwt.decode(raw_token, conf.JWT_SIGNING_KEY, algorithms=["HS256"], audience=audience)


def sign(payload: dict, key: str | None = None, algorithm: str = "HS256", headers: dict | None = None) -> str:
    return jwt.encode(payload, conf.JWT_SIGNING_KEY if key is None else key, algorithm=algorithm, headers=headers)
