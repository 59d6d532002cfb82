"""De-identified research exports (SECURITY 17)."""
