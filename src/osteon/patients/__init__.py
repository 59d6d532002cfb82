"""Master patient index: registration, search, merge, identifiers."""
