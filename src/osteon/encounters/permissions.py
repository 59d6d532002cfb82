"""Who may do what with encounters and records."""

from __future__ import annotations

from osteon.kit.errors import Forbidden
from osteon.security.deps import Actor
from osteon.security.permissions import register_domain

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "doctor": frozenset({"encounter:read", "encounter:write", "record:sign"}),
    "dept_head": frozenset({"encounter:read", "encounter:write", "record:sign"}),
    "nurse": frozenset({"encounter:read", "encounter:write"}),  # nurses open visits and pre-fill, never sign
    "technician": frozenset({"encounter:read"}),
    "expert": frozenset({"encounter:read"}),
}


def check(actor: Actor, permission: str) -> None:
    """Raise 403 unless the actor's role grants ``permission``."""
    if permission not in ROLE_PERMISSIONS.get(actor.role, frozenset()):
        raise Forbidden()


register_domain("encounters", ROLE_PERMISSIONS)
