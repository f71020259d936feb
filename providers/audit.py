"""The providers app's audit events (written through accounts/audit.py)."""

PROVIDER_SIGN_IN_FAILED = "provider_sign_in_failed"  # the callback refused: state, code, ID token, provider down...
IDENTITY_LINKED = "external_identity_linked"
IDENTITY_UNLINKED = "external_identity_unlinked"
PROVIDER_ACCOUNT_CREATED = "provider_account_created"
