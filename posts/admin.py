"""Admin for posts."""

from django.contrib import admin

from posts.models import Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "created_at"]
    search_fields = ["title", "author__username"]
    list_select_related = ["author"]
    raw_id_fields = ["author"]
