"""What makes two email addresses one mailbox, and two usernames one visible name.

Pure functions, no database: the queries that use them are in ``selectors.py``.

**Email addresses.** Mail servers deliver ``dave@example.com`` in full-width letters,
``dave@exam<U+00AD>ple.com`` (a soft hyphen) and ``dave@example.com<U+200B>``
to ``dave@example.com``, so an address is refused if it holds a format
character (Unicode category Cf: U+200B, U+00AD, U+200D, U+FEFF, bidi
controls...), and its domain is stored as IDNA's UTS 46 processing gives it
(``idna``: full-width folded, lower-cased, in its Unicode form). Two addresses
are one mailbox when they agree under NFKC and case folding (``email_key``).

**Usernames.** One visible name, one account: a name is kept as typed, but
compared under NFKC and case folding (``username_key``: signing in as "ALICE"
reaches "alice"); a name that NFKC would change ("ǅemo" becomes "Džemo") is
refused with the form to type instead, so nothing changes what the user chose
without saying so; and a name that mixes scripts with letters that look alike
across them (a Cyrillic "a" in "alice") is refused, from confusable_homoglyphs'
data (Unicode's confusables.txt and Scripts.txt).
"""

import unicodedata

import idna
from confusable_homoglyphs import categories, confusables
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FORMAT_CHARACTER = _("Remove the invisible character (%(name)s) from the address.")
INVALID_DOMAIN = _("The part after @ is not a valid domain name.")
NOT_NFKC = _('Type "%(suggestion)s" instead: usernames are kept in Unicode\'s compatibility form (NFKC).')
MIXED_SCRIPTS = _(
    "This name mixes %(scripts)s letters that look alike, so it could pass for another name. "
    "Use the letters of one alphabet."
)

# Script aliases that mix with any script without making a name confusable:
# digits, punctuation, combining marks.
NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED", "Unknown"})


def format_character(value: str) -> str | None:
    """The first format character (category Cf) in ``value``, as ``U+XXXX NAME``, or ``None``."""
    for char in value:
        if unicodedata.category(char) == "Cf":
            return f"U+{ord(char):04X} {unicodedata.name(char, 'FORMAT CHARACTER')}"
    return None


def email_canonical(value: str) -> str:
    """``value`` as stored: trimmed, its domain processed by IDNA (UTS 46); raises ``ValidationError``.

    The local part is kept as typed (the mail server's business; Django's
    validator admits only ASCII there).
    """
    address = (value or "").strip()
    if not address:
        return ""
    if name := format_character(address):
        raise ValidationError(FORMAT_CHARACTER, code="format_character", params={"name": name})
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return address
    try:
        domain = idna.decode(idna.encode(domain, uts46=True, std3_rules=True))
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValidationError(INVALID_DOMAIN, code="invalid_domain") from exc
    return f"{local}@{domain}"


def email_key(address: str) -> str:
    """One key for every spelling of one mailbox (of a canonical address): NFKC, then case folding."""
    return unicodedata.normalize("NFKC", address).casefold()


def username_key(username: str) -> str:
    """One key for every spelling of one visible name: NFKC, then case folding."""
    return unicodedata.normalize("NFKC", username).casefold()


def username_problem(username: str) -> ValidationError | None:
    """Why ``username`` (as typed) may not be registered, or ``None``: NFKC would change it, or it mixes scripts."""
    normalised = unicodedata.normalize("NFKC", username)
    if normalised != username:
        return ValidationError(NOT_NFKC, code="not_nfkc", params={"suggestion": normalised})
    if scripts := mixed_script_lookalike(username):
        named = " and ".join(script.capitalize() for script in scripts)
        return ValidationError(MIXED_SCRIPTS, code="mixed_scripts", params={"scripts": named})
    return None


def mixed_script_lookalike(name: str) -> tuple[str, ...]:
    """The scripts of ``name`` when a letter of one looks like one of another (a Cyrillic "a"), else ``()``."""
    by_script: dict[str, set[str]] = {}
    for char in set(name):
        by_script.setdefault(categories.alias(char), set()).add(char)
    scripts = sorted(set(by_script) - NEUTRAL_SCRIPTS)
    if len(scripts) < 2:
        return ()
    for script in scripts:
        others = "".join(char for other in scripts if other != script for char in by_script[other])
        if confusables.is_confusable(others, preferred_aliases=[script]):
            return tuple(scripts)
    return ()
