"""Inpatient care: wards, rooms, beds, admissions, notes, observations, discharge."""
