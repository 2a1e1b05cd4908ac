"""Models of the approvals app (built by its issue)."""
