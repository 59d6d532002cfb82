"""Who may do what with orders, results and charges."""

from __future__ import annotations

from osteon.kit.errors import Forbidden
from osteon.security.deps import Actor
from osteon.security.permissions import register_domain

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "doctor": frozenset({"order:read", "order:write", "order:execute", "result:report", "result:review", "charge:pay", "critical:ack"}),
    "dept_head": frozenset({"order:read", "order:write", "order:execute", "result:report", "result:review", "charge:pay",
                            "critical:ack", "charge:analytics"}),
    "nurse": frozenset({"order:read", "order:execute", "charge:pay"}),
    "technician": frozenset({"order:read", "order:execute", "result:report"}),
    "expert": frozenset({"order:read"}),
}


def check(actor: Actor, permission: str) -> None:
    """Raise 403 unless the actor's role grants ``permission``."""
    if permission not in ROLE_PERMISSIONS.get(actor.role, frozenset()):
        raise Forbidden()


register_domain("orders", ROLE_PERMISSIONS)
