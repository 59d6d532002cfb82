"""Orders (FHIR ServiceRequest / MedicationRequest), results and charges (ChargeItem)."""
