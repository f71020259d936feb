"""Audit events of the emails app, written through accounts' audit trail (never a link token or an address)."""

PASSWORD_RESET_REQUESTED = "password_reset_requested"
PASSWORD_RESET_COMPLETED = "password_reset_completed"
EMAIL_VERIFICATION_SENT = "email_verification_sent"
EMAIL_VERIFIED = "email_verified"
EMAIL_CHANGE_REQUESTED = "email_change_requested"
EMAIL_CHANGED = "email_changed"
