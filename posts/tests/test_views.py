"""The posts API over HTTP: reads for everyone signed in, writes for the author only."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.client import ClientInfo
from accounts.services import session_create
from accounts.tests.factories import UserFactory
from conftest import BrowserClient
from posts.models import Post

pytestmark = pytest.mark.django_db

LIST_URL = reverse("posts:post-list")


def detail_url(post: Post) -> str:
    return reverse("posts:post-detail", args=[post.pk])


def make_post(author, title="A title", body="A body") -> Post:
    return Post.objects.create(author=author, title=title, body=body)


def post_json(post: Post) -> dict:
    return {
        "id": post.pk,
        "title": post.title,
        "body": post.body,
        "author": {"id": post.author_id, "username": post.author.username},
        "created_at": post.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": post.updated_at.isoformat().replace("+00:00", "Z"),
    }


class TestAnonymous:
    def test_list_needs_authentication(self, api_client):
        response = api_client.get(LIST_URL)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {
            "detail": "Authentication credentials were not provided.",
            "code": "not_authenticated",
        }
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'

    def test_create_needs_authentication(self, api_client):
        response = api_client.post(LIST_URL, {"title": "x"}, format="json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert Post.objects.count() == 0


class TestList:
    def test_newest_first_with_pagination_shape(self, auth_client, user, other_user):
        older = make_post(other_user, "older")
        newer = make_post(user, "newer")
        response = auth_client.get(LIST_URL)
        assert response.status_code == HTTPStatus.OK
        assert response.json() == {
            "count": 2,
            "next": None,
            "previous": None,
            "results": [post_json(newer), post_json(older)],
        }

    def test_pages_of_twenty(self, auth_client, user):
        Post.objects.bulk_create([Post(author=user, title=f"post {i}") for i in range(25)])
        first = auth_client.get(LIST_URL).json()
        assert first["count"] == 25
        assert len(first["results"]) == 20
        assert first["next"].endswith("/api/posts/?page=2")
        second = auth_client.get(LIST_URL, {"page": 2}).json()
        assert len(second["results"]) == 5
        assert second["previous"].endswith("/api/posts/")

    def test_page_out_of_range_is_a_json_404(self, auth_client):
        response = auth_client.get(LIST_URL, {"page": 9})
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json()["code"] == "not_found"

    def test_author_me_filters_to_own_posts(self, auth_client, user, other_user):
        mine = make_post(user, "mine")
        make_post(other_user, "theirs")
        response = auth_client.get(LIST_URL, {"author": "me"})
        assert [p["id"] for p in response.json()["results"]] == [mine.pk]

    def test_author_filter_rejects_garbage(self, auth_client):
        response = auth_client.get(LIST_URL, {"author": "'; drop table"})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"author": ["Use 'me' or a user id."]}

    def test_list_query_count_is_constant(self, auth_client, user, django_assert_max_num_queries):
        for _ in range(3):
            make_post(UserFactory())
        with django_assert_max_num_queries(3):  # user, count, page with authors joined
            auth_client.get(LIST_URL)


class TestCreate:
    def test_creates_a_post_by_the_caller(self, auth_client, user):
        response = auth_client.post(LIST_URL, {"title": "Hello", "body": "World"}, format="json")
        assert response.status_code == HTTPStatus.CREATED
        post = Post.objects.get()
        assert (post.author, post.title, post.body) == (user, "Hello", "World")
        assert response.json() == post_json(post)

    @pytest.mark.parametrize(
        ("payload", "errors"),
        [
            ({"title": "", "body": "x"}, {"title": ["This field may not be blank."]}),
            ({"title": "x" * 201}, {"title": ["Ensure this field has no more than 200 characters."]}),
            ({"body": "no title"}, {"title": ["This field is required."]}),
            ({"title": ["a", "list"]}, {"title": ["Not a valid string."]}),
            ({"title": "nul\x00byte"}, {"title": ["Null characters are not allowed."]}),
        ],
    )
    def test_invalid_input_is_a_field_error_and_stores_nothing(self, auth_client, payload, errors):
        response = auth_client.post(LIST_URL, payload, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == errors
        assert Post.objects.count() == 0

    def test_two_hundred_characters_is_fine(self, auth_client):
        response = auth_client.post(LIST_URL, {"title": "x" * 200}, format="json")
        assert response.status_code == HTTPStatus.CREATED

    def test_malformed_json_is_a_400(self, auth_client):
        response = auth_client.post(LIST_URL, data="{nope", content_type="application/json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["code"] == "parse_error"
        assert Post.objects.count() == 0


class TestReadUpdateDelete:
    def test_read(self, auth_client, other_user):
        post = make_post(other_user)
        response = auth_client.get(detail_url(post))
        assert response.status_code == HTTPStatus.OK
        assert response.json() == post_json(post)

    def test_unknown_id_is_a_json_404(self, auth_client):
        response = auth_client.get(reverse("posts:post-detail", args=[999999]))
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json() == {"detail": "No Post matches the given query.", "code": "not_found"}

    def test_author_patches(self, auth_client, user):
        post = make_post(user)
        response = auth_client.patch(detail_url(post), {"body": "edited"}, format="json")
        assert response.status_code == HTTPStatus.OK
        post.refresh_from_db()
        assert (post.title, post.body) == ("A title", "edited")
        assert response.json() == post_json(post)

    def test_author_puts(self, auth_client, user):
        post = make_post(user)
        response = auth_client.put(detail_url(post), {"title": "new", "body": "b"}, format="json")
        assert response.status_code == HTTPStatus.OK
        post.refresh_from_db()
        assert (post.title, post.body) == ("new", "b")

    def test_put_without_title_is_a_400(self, auth_client, user):
        post = make_post(user)
        response = auth_client.put(detail_url(post), {"body": "b"}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"title": ["This field is required."]}

    def test_author_deletes(self, auth_client, user):
        post = make_post(user)
        response = auth_client.delete(detail_url(post))
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert not Post.objects.exists()

    @pytest.mark.parametrize("method", ["patch", "put", "delete"])
    def test_others_cannot_change(self, auth_client, other_user, method):
        post = make_post(other_user)
        response = getattr(auth_client, method)(detail_url(post), {"title": "hijack"}, format="json")
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == {
            "detail": "You do not have permission to perform this action.",
            "code": "permission_denied",
        }
        post.refresh_from_db()
        assert post.title == "A title"


class TestOnAVerifyingOnlyServerWithItsOwnDatabase:
    """It follows the auth server's revocation feed and has no user rows: posts can be read, not written."""

    def test_reads_answer_writes_are_501(self, settings, user):
        settings.REVOCATION_FEED_URL = "http://127.0.0.1:9/api/auth/revocations/"
        access = access_token_of(user)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
        client = BrowserClient()
        assert client.get(LIST_URL, **headers).status_code == HTTPStatus.OK
        response = client.post(LIST_URL, {"title": "t", "body": "b"}, format="json", **headers)
        assert response.status_code == HTTPStatus.NOT_IMPLEMENTED
        assert response.json()["code"] == "verifying_only_server"
        assert not Post.objects.exists()


def access_token_of(user) -> str:
    return session_create(user=user, client=ClientInfo(ip_address="192.0.2.1", user_agent="test")).access
