"""Bodies over the size limit on every endpoint that takes one; junk bodies on those that take none.

Each is a JSON 4xx (or ignored), never a 5xx, and writes nothing (jwtsite/tests/bad_input.py).
"""

import json
from http import HTTPStatus

import pytest
from django.conf import settings
from django.urls import reverse

from jwtsite.tests.bad_input import (
    BODY_ENDPOINTS,
    BODYLESS_ENDPOINTS,
    OVER_THE_LIMIT,
    assert_json_4xx,
    assert_refused,
)

pytestmark = pytest.mark.django_db


class TestOversizedBodies:
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_a_json_field_over_the_limit(self, world, name):
        client, _, post, table = world
        endpoint = table[name]
        field = endpoint.strings[0]
        data = json.dumps({**endpoint.valid, field: "x" * OVER_THE_LIMIT}).encode()
        assert len(data) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        assert_refused(client, endpoint, post, data)

    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_a_valid_json_body_padded_over_the_limit(self, world, name):
        client, _, post, table = world
        endpoint = table[name]
        data = json.dumps({**endpoint.valid, "padding": "x" * OVER_THE_LIMIT}).encode()
        assert_refused(client, endpoint, post, data)

    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_a_form_body_over_the_limit(self, world, name):
        client, _, post, table = world
        data = b"padding=" + b"x" * OVER_THE_LIMIT
        assert_refused(client, table[name], post, data, "application/x-www-form-urlencoded")

    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_a_multipart_body_over_the_limit(self, world, name):
        client, _, post, table = world
        data = (
            b'--B\r\nContent-Disposition: form-data; name="padding"\r\n\r\n' + b"x" * OVER_THE_LIMIT + b"\r\n--B--\r\n"
        )
        assert_refused(client, table[name], post, data, "multipart/form-data; boundary=B")


class TestBodylessEndpoints:
    """Refresh and logout take no body and never parse one: junk in it is ignored, never a 5xx."""

    @pytest.mark.parametrize(
        ("data", "content_type"),
        [
            (b'{"broken": ', "application/json"),
            (b"<xml/>", "application/xml"),
            (b"junk", "multipart/form-data; boundary=B"),
            (b"x" * OVER_THE_LIMIT, "application/json"),
            (b"padding=" + b"x" * OVER_THE_LIMIT, "application/x-www-form-urlencoded"),
        ],
        ids=["malformed-json", "xml", "multipart-junk", "json-over-limit", "form-over-limit"],
    )
    @pytest.mark.parametrize("name", [*BODYLESS_ENDPOINTS, "accounts:logout-all"])
    def test_junk_bodies_are_ignored_or_refused_cleanly(self, auth_client, name, data, content_type):
        response = auth_client.generic("POST", reverse(name), data, content_type=content_type)
        if response.status_code >= HTTPStatus.BAD_REQUEST:
            assert_json_4xx(response)
        else:
            assert response.status_code == BODYLESS_ENDPOINTS.get(name, HTTPStatus.NO_CONTENT)
