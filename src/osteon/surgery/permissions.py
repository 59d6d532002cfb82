"""Who may do what in surgery."""

from __future__ import annotations

from osteon.kit.errors import Forbidden
from osteon.security.deps import Actor
from osteon.security.permissions import register_domain

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "doctor": frozenset({"surgery:read", "surgery:request", "surgery:checklist", "surgery:schedule", "surgery:record", "implant:search"}),
    "dept_head": frozenset({"surgery:read", "surgery:request", "surgery:checklist", "surgery:schedule", "surgery:record",
                            "implant:search", "or:manage"}),
    "nurse": frozenset({"surgery:read", "surgery:checklist", "surgery:schedule", "implant:search", "or:manage"}),
    "expert": frozenset({"surgery:read"}),
}


def check(actor: Actor, permission: str) -> None:
    """Raise 403 unless the actor's role grants ``permission``."""
    if permission not in ROLE_PERMISSIONS.get(actor.role, frozenset()):
        raise Forbidden()


register_domain("surgery", ROLE_PERMISSIONS)
