"""Migrates the peers' database, creates the bench user and prints one access token as JSON."""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

call_command("migrate", verbosity=0)
user = get_user_model().objects.create_user(
    username="bench-user", email="bench-user@example.com", password="bench-password-long-and-unusual"
)
print(json.dumps({"access": str(RefreshToken.for_user(user).access_token)}))
