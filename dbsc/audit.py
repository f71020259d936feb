"""dbsc's events in the audit trail (accounts/audit.py writes them)."""

SESSION_BOUND = "session_bound"
SESSION_BIND_FAILED = "session_bind_failed"
