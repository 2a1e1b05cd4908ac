"""Models of the fees app (built by its issue)."""
