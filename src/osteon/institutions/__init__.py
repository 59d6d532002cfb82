"""Institutions, departments (with orthopedic subspecialties), wards and staff directory."""
