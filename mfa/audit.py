"""Audit events of the mfa app, written through accounts' audit trail.

Never a code, a secret, a challenge or key material: only ids, names and counts.
"""

PASSKEY_ADDED = "passkey_added"
PASSKEY_RENAMED = "passkey_renamed"
PASSKEY_REMOVED = "passkey_removed"
PASSKEY_REJECTED = "passkey_rejected"
PASSKEY_CLONE_DETECTED = "passkey_clone_detected"
TWO_FACTOR_SETUP_STARTED = "two_factor_setup_started"
TWO_FACTOR_ENABLED = "two_factor_enabled"
TWO_FACTOR_DISABLED = "two_factor_disabled"
RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated"
RECOVERY_CODE_USED = "recovery_code_used"
SECOND_FACTOR_REQUIRED = "second_factor_required"
SECOND_FACTOR_FAILED = "second_factor_failed"
SECOND_FACTOR_NOTICE_SENT = "second_factor_notice_sent"
