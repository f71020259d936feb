"""One mailbox, one account; one visible name, one account (accounts/identity.py).

Existing rows: every username gets its key (NFKC, case folding). Where two
names share one, the oldest account (lowest id) keeps the key and the others
keep none: they still sign in by their exact name, and the migration prints
which. Every address is put in its canonical form (format characters removed,
the domain through IDNA); where several accounts then share a mailbox (the same
NFKC and case-folded address), the oldest keeps it and the others' ``email`` is
emptied, as 0003 did for capitalisation, and printed. An address whose domain
IDNA refuses is kept as it is, and printed.
"""

import unicodedata

import idna
from django.db import migrations, models

import accounts.models


def _key(value):
    return unicodedata.normalize("NFKC", value).casefold()


def _canonical(address):
    address = "".join(char for char in address.strip() if unicodedata.category(char) != "Cf")
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return address
    return f"{local}@{idna.decode(idna.encode(domain, uts46=True, std3_rules=True))}"


def key_usernames_and_canonicalise_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    names: dict[str, int] = {}
    for user in User.objects.order_by("pk").only("pk", "username").iterator():
        key = _key(user.username)
        if key in names:
            print(f"\n  accounts.0007: user {user.pk}'s username is one name with user {names[key]}'s; it keeps no key")
            continue
        names[key] = user.pk
        User.objects.filter(pk=user.pk).update(username_key=key)

    holders: dict[str, int] = {}
    for user in User.objects.exclude(email="").order_by("pk").only("pk", "email").iterator():
        try:
            address = _canonical(user.email)
        except (idna.IDNAError, UnicodeError):
            print(f"\n  accounts.0007: user {user.pk}'s email domain is not a valid IDNA name; kept as it was")
            address = user.email
        key = _key(address)
        if key in holders:
            print(f"\n  accounts.0007: user {user.pk} shared a mailbox with user {holders[key]}; its email emptied")
            User.objects.filter(pk=user.pk).update(email="", email_verified=False)
            continue
        holders[key] = user.pk
        if address != user.email:
            User.objects.filter(pk=user.pk).update(email=address)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_user_sign_in_methods"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", accounts.models.UserManager()),
            ],
        ),
        migrations.AddField(
            model_name="user",
            name="unconfirmed_email",
            field=models.EmailField(blank=True, default="", editable=False, max_length=254),
        ),
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=600, null=True, unique=True),
        ),
        migrations.RunPython(key_usernames_and_canonicalise_emails, migrations.RunPython.noop),
    ]
