"""URLs of the posts API."""

from rest_framework.routers import SimpleRouter

from posts.views import PostViewSet

app_name = "posts"

router = SimpleRouter()
router.register("posts", PostViewSet, basename="post")
urlpatterns = router.urls
