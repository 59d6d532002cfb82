"""Surgery (FHIR Procedure): requests, pre-op checklist, OR scheduling, records, implant registry."""
