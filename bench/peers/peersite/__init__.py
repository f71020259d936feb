"""The peers' Django project (bench only): dj-rest-auth's cookie mode, plain simplejwt, a bare DRF view."""
