"""Who may do what on the ward."""

from __future__ import annotations

from osteon.kit.errors import Forbidden
from osteon.security.deps import Actor
from osteon.security.permissions import register_domain

_NURSE = {"bed:read", "bed:assign", "bed:manage", "admission:read", "admission:write", "observation:write", "note:write"}
_DOCTOR = {"bed:read", "bed:assign", "admission:read", "admission:write", "note:write", "discharge:write", "observation:write"}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "nurse": frozenset(_NURSE),
    "doctor": frozenset(_DOCTOR),
    "dept_head": frozenset(_NURSE | _DOCTOR),
    "expert": frozenset({"admission:read"}),
}


def check(actor: Actor, permission: str) -> None:
    """Raise 403 unless the actor's role grants ``permission``."""
    if permission not in ROLE_PERMISSIONS.get(actor.role, frozenset()):
        raise Forbidden()


register_domain("inpatient", ROLE_PERMISSIONS)
