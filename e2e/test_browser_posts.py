"""Posts in a real Chromium: write, edit and delete one, pages of them, and signing in to see them."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from e2e.browsing import expect_path, log_in, register
from posts.models import Post

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_write_edit_and_delete_a_post(page, site):
    other = UserFactory(username="bob")
    Post.objects.create(author=other, title="Bob's post", body="Not yours to edit.")
    register(page, "alice")
    page.goto("/posts/")

    page.get_by_label("Title").fill("Hello, world")
    page.get_by_label("Body").fill("My first post.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert")).to_contain_text('Published "Hello, world"')
    expect(page.get_by_role("heading", name="Hello, world")).to_be_visible()
    mine = page.locator(f'.post[data-post-id="{Post.objects.get(author__username="alice").pk}"]')
    expect(mine).to_contain_text("My first post.")
    expect(page.get_by_label("Title")).to_have_value("")

    bobs = page.locator(".post", has=page.get_by_role("heading", name="Bob's post"))
    expect(bobs.get_by_role("button")).to_have_count(0)

    mine.get_by_role("button", name="Edit").click()
    mine.get_by_label("Title").fill("Hello again")
    mine.get_by_label("Body").fill("Edited.")
    mine.get_by_role("button", name="Save").click()
    expect(mine.get_by_role("heading", name="Hello again")).to_be_visible()
    expect(mine).to_contain_text("Edited.")
    assert Post.objects.get(author__username="alice").title == "Hello again"

    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("alert")).to_contain_text("Post deleted")
    expect(page.get_by_role("heading", name="Hello again")).to_have_count(0)
    assert not Post.objects.filter(author__username="alice").exists()


def test_posts_are_paginated(page, site):
    author = UserFactory()
    Post.objects.bulk_create(Post(author=author, title=f"Post {n:02}", body="") for n in range(25))
    log_in(page, author.username)
    page.goto("/posts/")
    expect(page.locator(".post")).to_have_count(20)
    page.get_by_role("link", name="Older posts").click()
    expect_path(page, "/posts/?page=2")
    expect(page.locator(".post")).to_have_count(5)
    expect(page.get_by_role("link", name="Newer posts")).to_be_visible()


def test_signed_out_posts_goes_to_login_and_back(page, site):
    user = UserFactory()
    page.goto("/posts/")
    expect_path(page, "/login/?next=/posts/")

    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect_path(page, "/posts/")
    expect(page.get_by_role("button", name="Publish")).to_be_visible()
