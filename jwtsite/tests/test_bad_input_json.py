"""Bad bodies on every endpoint that takes one: malformed JSON, JSON not an object, other media types, junk forms.

Each is a JSON 4xx, never a 5xx, and writes nothing (jwtsite/tests/bad_input.py).
"""

from http import HTTPStatus

import pytest

from jwtsite.tests.bad_input import (
    BODY_ENDPOINTS,
    PARSE_ERROR_BODIES,
    assert_json_4xx,
    assert_refused,
    send,
)
from posts.models import Post

pytestmark = pytest.mark.django_db


class TestControl:
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_the_valid_body_succeeds(self, world, name):
        """So that each refusal below is caused by what the test broke."""
        client, _, post, table = world
        response = send(client, table[name], post, table[name].valid)
        assert response.status_code < HTTPStatus.BAD_REQUEST, response.content


class TestMalformedJson:
    @pytest.mark.parametrize("data", PARSE_ERROR_BODIES)
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_malformed_json_is_a_parse_error(self, world, name, data):
        client, _, post, table = world
        body = assert_refused(client, table[name], post, data)
        assert body["code"] == "parse_error"

    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_deeply_nested_json(self, world, name):
        client, _, post, table = world
        assert_refused(client, table[name], post, b'{"title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")

    @pytest.mark.parametrize("data", [[], "text", 42, None, True], ids=["list", "string", "number", "null", "bool"])
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_json_that_is_not_an_object(self, world, name, data):
        client, _, post, table = world
        kind = {list: "list", str: "str", int: "int", type(None): "NoneType", bool: "bool"}[type(data)]
        if data is None and table[name].method == "PATCH":
            # An empty or null PATCH body changes nothing: it is a valid no-op.
            pytest.skip("null PATCH is a no-op")
        body = assert_refused(client, table[name], post, data)
        if data is not None:
            assert body == {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}


class TestContentTypes:
    @pytest.mark.parametrize(
        ("data", "content_type"),
        [
            (b"username=a&password=b", "text/plain"),
            (b"<login><username>a</username></login>", "application/xml"),
            (b"<login/>", "text/xml"),
            (b"---\nusername: a\n", "application/yaml"),
            (b"\x00\x01\x02", "application/octet-stream"),
            (b"{}", "application/json-patch+json"),
            (b"{}", "not a content type"),
        ],
        ids=["text", "xml", "text-xml", "yaml", "octet-stream", "json-patch", "garbage"],
    )
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_unsupported_media_types_are_415(self, world, name, data, content_type):
        client, _, post, table = world
        body = assert_refused(client, table[name], post, data, content_type)
        assert body["code"] == "unsupported_media_type"

    @pytest.mark.parametrize(
        ("data", "content_type"),
        [
            (b"junk", "multipart/form-data; boundary=BOUNDARY"),
            (b"--BOUNDARY\r\nContent-Disposition: junk\r\n\r\n\x00\xff", "multipart/form-data; boundary=BOUNDARY"),
            (b"--BOUNDARY\r\n", "multipart/form-data; boundary=BOUNDARY"),
            (b"junk", "multipart/form-data"),
            (b"junk", "multipart/form-data; boundary="),
            (b"%%%&&&===", "application/x-www-form-urlencoded"),
            (b"a=\xff\xfe", "application/x-www-form-urlencoded"),
        ],
        ids=["multipart-junk", "multipart-bad-part", "multipart-unterminated", "no-boundary", "empty-boundary",
             "form-junk", "form-bad-utf8"],
    )  # fmt: skip
    @pytest.mark.parametrize("name", BODY_ENDPOINTS)
    def test_junk_forms_are_refused(self, world, name, data, content_type):
        client, _, post, table = world
        if table[name].method == "PATCH":
            # A form that parses to no known field is a valid PATCH that changes nothing.
            response = send(client, table[name], post, data, content_type)
            if response.status_code < HTTPStatus.BAD_REQUEST:
                assert Post.objects.values_list("title", "body").get() == ("original", "original body")
            else:
                assert_json_4xx(response)
            return
        assert_refused(client, table[name], post, data, content_type)
