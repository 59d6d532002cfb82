"""Tests for the encounters domain."""
