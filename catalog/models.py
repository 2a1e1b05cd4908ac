"""Models of the catalog app (built by its issue)."""
