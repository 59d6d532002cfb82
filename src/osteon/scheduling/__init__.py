"""Scheduling: doctor schedules, slots, appointments and registration (FHIR Schedule/Slot/Appointment), the queue."""
