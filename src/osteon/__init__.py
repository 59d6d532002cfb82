"""Osteon — orthopedic department platform."""

__version__ = "0.1.0"
