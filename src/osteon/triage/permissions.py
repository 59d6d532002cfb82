"""Who may do what in triage (until the platform's PERMISSIONS map gains these, see the report).

- ``triage:read`` — read a patient's interview summaries (doctor's view, registration desk): clinical staff,
  and always through ``patients.service.get_for`` for the patient itself.
- ``triage:link`` — attach an interview to an appointment for a patient: doctor, nurse, head.
Anyone (even before login) may run ``/assess`` and their own interview; a patient reads their own.
"""

from __future__ import annotations

from osteon.security.deps import Actor
from osteon.security.permissions import register_domain

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "dept_head": frozenset({"triage:read", "triage:link"}),
    "doctor": frozenset({"triage:read", "triage:link"}),
    "nurse": frozenset({"triage:read", "triage:link"}),
    "expert": frozenset({"triage:read"}),
}


def can(actor: Actor, permission: str) -> bool:
    """True when the actor's role grants the triage ``permission``."""
    return permission in ROLE_PERMISSIONS.get(actor.role, frozenset())


def is_patient(actor: Actor) -> bool:
    """A patient-portal user."""
    return actor.role == "patient" and actor.patient_id is not None


register_domain("triage", ROLE_PERMISSIONS)
