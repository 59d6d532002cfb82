"""Who may do what in scheduling (until the platform's PERMISSIONS map gains these, see the report).

- ``schedule:manage`` — create clinic sessions (排班): department head, nurse (护士长/门诊护士).
- ``appointment:book`` — book for a patient, walk-in registration, check-in, cancel, no-show: doctor, nurse, head.
- ``queue:act`` — call next / recall / skip / complete: the session's own doctor, a nurse (分诊台), the head.
- ``queue:view`` — see a queue and the waiting-room display: clinical staff of the institution.
A patient books, checks in and cancels only their own appointments.
"""

from __future__ import annotations

from osteon.security.deps import Actor
from osteon.security.permissions import register_domain

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "dept_head": frozenset({"schedule:manage", "appointment:book", "queue:act", "queue:view"}),
    "nurse": frozenset({"schedule:manage", "appointment:book", "queue:act", "queue:view"}),
    "doctor": frozenset({"appointment:book", "queue:act", "queue:view"}),
    "technician": frozenset({"queue:view"}),
}


def can(actor: Actor, permission: str) -> bool:
    """True when the actor's role grants the scheduling ``permission``."""
    return permission in ROLE_PERMISSIONS.get(actor.role, frozenset())


def is_patient(actor: Actor) -> bool:
    """A patient-portal user."""
    return actor.role == "patient" and actor.patient_id is not None


register_domain("scheduling", ROLE_PERMISSIONS)
