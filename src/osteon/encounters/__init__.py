"""Outpatient encounters: structured orthopedic record, scores, codes and classifications."""
