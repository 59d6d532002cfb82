"""Osteon — orthopedic department platform."""
