"""Triage engine, interview and evaluation tests."""
