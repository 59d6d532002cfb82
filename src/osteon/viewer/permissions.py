"""Who may do what in the viewer (until the platform's PERMISSIONS map gains ``imaging:annotate``).

- reading a study's annotations: anyone who may see the study (its patient is readable);
- ``imaging:annotate`` — save measurements and annotations on a study: doctor, department head, remote
  expert, technician (radiographers mark sides and calibrations).
"""

from __future__ import annotations

from osteon.security.deps import Actor
from osteon.security.permissions import register_domain

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "dept_head": frozenset({"imaging:annotate"}),
    "doctor": frozenset({"imaging:annotate"}),
    "expert": frozenset({"imaging:annotate"}),
    "technician": frozenset({"imaging:annotate"}),
}


def can(actor: Actor, permission: str) -> bool:
    """True when the actor's role grants the viewer ``permission``."""
    return permission in ROLE_PERMISSIONS.get(actor.role, frozenset())


register_domain("viewer", ROLE_PERMISSIONS)
