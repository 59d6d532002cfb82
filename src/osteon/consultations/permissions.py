"""Who may do what in consultations (registered with the platform map, so /auth/me lists them).

- request: doctors and department heads ask for a consultation about a patient they can read;
- respond: experts and department heads of the *target* institution accept, decline, propose times and
  sign reports (ordinary doctors are not consultants for another hospital);
- triage: department heads see their institution's incoming pool and assign an expert;
- participate: may be invited into a room (colleagues of any clinical role, the patient).
Administrators (三员) have none of these: they see no patients.
"""

from __future__ import annotations

from osteon.kit.errors import Forbidden
from osteon.security.deps import Actor
from osteon.security.permissions import register_domain

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "doctor": frozenset({"consult:request", "consult:participate"}),
    "dept_head": frozenset({"consult:request", "consult:respond", "consult:triage", "consult:participate"}),
    "expert": frozenset({"consult:respond", "consult:participate"}),
    "nurse": frozenset({"consult:participate"}),
    "technician": frozenset({"consult:participate"}),
    "patient": frozenset({"consult:participate"}),
}


def has(role: str, permission: str) -> bool:
    """True when ``role`` grants ``permission``."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def can(actor: Actor, permission: str) -> bool:
    """True when the actor's role grants ``permission``."""
    return has(actor.role, permission)


def check(actor: Actor, permission: str) -> None:
    """Raise 403 unless the actor's role grants ``permission``."""
    if not can(actor, permission):
        raise Forbidden()


register_domain("consultations", ROLE_PERMISSIONS)
