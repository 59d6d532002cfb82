"""Shared building blocks: base model, schemas, errors, pagination."""
